"""Campaigns in the admin console."""

from django.urls import URLPattern, path

from campaigns import views

urlpatterns: list[URLPattern] = [
    path("campaigns", views.campaign_list, name="campaigns"),
    path("campaigns/preview", views.audience_preview, name="campaign_preview"),
    path("campaigns/people/<uuid:person_id>", views.person_campaigns, name="person_campaigns"),
    path("campaigns/<uuid:campaign_id>", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<uuid:campaign_id>/steps", views.step_add, name="campaign_step_add"),
    path(
        "campaigns/<uuid:campaign_id>/steps/<int:step_id>/delete",
        views.step_delete,
        name="campaign_step_delete",
    ),
    path(
        "campaigns/<uuid:campaign_id>/timeline", views.campaign_timeline, name="campaign_timeline"
    ),
    path(
        "campaigns/<uuid:campaign_id>/<str:action>",
        views.campaign_lifecycle,
        name="campaign_lifecycle",
    ),
]
