"""SCIM 2.0 endpoints under /scim/v2, resolved by scim.entry (patterns start after "/scim/v2/").

Endpoint names match case-insensitively (`/scim/v2/users` works like `/Users`), as in
Microsoft's reference SCIM service; resource ids and schema URNs are passed on as sent.
A trailing slash is accepted. The base URL itself names the endpoints; any other path under
/scim/v2 gets a SCIM 404.
"""

from django.urls import URLPattern, URLResolver, re_path

from scim.views import base, discovery, groups, search, users

ID = r"(?P<resource_id>[^/]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^$", discovery.BaseUrlView.as_view()),
    re_path(r"^(?i:ServiceProviderConfigs?)/?$", discovery.ServiceProviderConfigView.as_view()),
    re_path(r"^(?i:ResourceTypes)/?$", discovery.ResourceTypesView.as_view()),
    re_path(r"^(?i:ResourceTypes)/(?P<name>[^/]+)/?$", discovery.ResourceTypeView.as_view()),
    re_path(r"^(?i:Schemas)/?$", discovery.SchemasView.as_view()),
    re_path(r"^(?i:Schemas)/(?P<urn>[^/]+)/?$", discovery.SchemaView.as_view()),
    re_path(r"^(?i:Users)/?$", users.UsersView.as_view()),
    re_path(r"^(?i:Users/\.search)/?$", users.UsersSearchView.as_view()),
    re_path(rf"^(?i:Users)/{ID}/?$", users.UserView.as_view()),
    re_path(r"^(?i:Groups)/?$", groups.GroupsView.as_view()),
    re_path(r"^(?i:Groups/\.search)/?$", groups.GroupsSearchView.as_view()),
    re_path(rf"^(?i:Groups)/{ID}/?$", groups.GroupView.as_view()),
    re_path(r"^(?i:\.search)/?$", search.RootSearchView.as_view()),
    re_path(r"^(?i:Bulk|Me)(/.*)?$", base.NotImplementedView.as_view()),
    re_path(r"^[\s\S]*$", base.NotFoundView.as_view()),  # newlines too (/scim/v2/%0A)
]
