"""The admin console on an organisation's host: people, groups, Account pages."""

from django.urls import URLPattern, URLResolver, path

from accounts import (
    views_account,
    views_groups,
    views_help,
    views_organisation,
    views_people,
    views_people_bulk,
    views_people_export,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("people", views_people.people_list, name="people_list"),
    path("people/export.csv", views_people_export.people_export, name="people_export"),
    path("people/bulk", views_people_bulk.people_bulk_confirm, name="people_bulk"),
    path("people/bulk/run", views_people_bulk.people_bulk_run, name="people_bulk_run"),
    path("people/new", views_people.person_create, name="person_create"),
    path("people/<uuid:user_id>", views_people.person_detail, name="person_detail"),
    path("people/<uuid:user_id>/edit", views_people.person_edit, name="person_edit"),
    path("people/<uuid:user_id>/role", views_people.person_role, name="person_role"),
    path(
        "people/<uuid:user_id>/activation",
        views_people.person_activation,
        name="person_activation",
    ),
    path("profile", views_people.profile, name="profile"),
    path("groups", views_groups.groups_list, name="groups_list"),
    path("groups/<uuid:group_id>", views_groups.group_detail, name="group_detail"),
    path(
        "account/authentication",
        views_account.authentication,
        name="account_authentication",
    ),
    path(
        "account/authentication/microsoft",
        views_account.microsoft_switch,
        name="account_microsoft_switch",
    ),
    path(
        "account/authentication/linked-passwords",
        views_account.linked_passwords_switch,
        name="account_linked_passwords_switch",
    ),
    path("help/microsoft", views_help.microsoft_setup, name="help_microsoft"),
    path(
        "account/organisation",
        views_organisation.organisation_settings,
        name="account_organisation",
    ),
]
