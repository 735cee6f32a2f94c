"""SCIM 2.0 API under /scim/v2 on an organisation's host.

Included under `^scim/v2(?:/|$)`, so patterns start after "/scim/v2/". A trailing slash
is accepted. The base URL itself and any other path under /scim/v2 get a SCIM 404.
"""

from django.urls import URLPattern, URLResolver, re_path

from scim.views import base, discovery, groups, search, users

ID = r"(?P<resource_id>[^/]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^$", discovery.BaseUrlView.as_view()),
    re_path(r"^ServiceProviderConfigs?/?$", discovery.ServiceProviderConfigView.as_view()),
    re_path(r"^ResourceTypes/?$", discovery.ResourceTypesView.as_view()),
    re_path(r"^ResourceTypes/(?P<name>[^/]+)/?$", discovery.ResourceTypeView.as_view()),
    re_path(r"^Schemas/?$", discovery.SchemasView.as_view()),
    re_path(r"^Schemas/(?P<urn>[^/]+)/?$", discovery.SchemaView.as_view()),
    re_path(r"^Users/?$", users.UsersView.as_view()),
    re_path(r"^Users/\.search/?$", users.UsersSearchView.as_view()),
    re_path(rf"^Users/{ID}/?$", users.UserView.as_view()),
    re_path(r"^Groups/?$", groups.GroupsView.as_view()),
    re_path(r"^Groups/\.search/?$", groups.GroupsSearchView.as_view()),
    re_path(rf"^Groups/{ID}/?$", groups.GroupView.as_view()),
    re_path(r"^\.search/?$", search.RootSearchView.as_view()),
    re_path(r"^(Bulk|Me)(/.*)?$", base.NotImplementedView.as_view()),
    re_path(r"^.*$", base.NotFoundView.as_view()),
]
