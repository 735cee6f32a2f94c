"""Password pages on an organisation's host, signed in or not."""

from django.urls import URLPattern, path

from accounts import views_password
from looop.mail import views as mail_views

urlpatterns: list[URLPattern] = [
    path("password/forgot", views_password.password_forgot, name="password_forgot"),
    path("password/forgot/sent", views_password.password_forgot_sent, name="password_forgot_sent"),
    path(
        "password/reset/<uidb64>/<token>",
        views_password.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "invitation/<uidb64>/<token>",
        views_password.InvitationAccept.as_view(),
        name="invitation_accept",
    ),
    path("profile/password", views_password.PasswordChange.as_view(), name="password_change"),
    path("people/<uuid:user_id>/invite", views_password.person_invite, name="person_invite"),
    path(
        "people/<uuid:user_id>/password-reset",
        views_password.person_password_reset,
        name="person_password_reset",
    ),
    path("account/email", mail_views.failed_emails, name="account_email"),
]
