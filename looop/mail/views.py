"""Account > Email: the organisation's emails that failed, and why."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.paging import page_of
from accounts.permissions import admin_required
from looop.mail.selectors import emails_in_trouble

EMAILS_PER_PAGE = 50


@admin_required
def failed_emails(request: HttpRequest) -> HttpResponse:
    page = page_of(emails_in_trouble(), request, EMAILS_PER_PAGE)
    return render(request, "console/email.html", {"page": page})
