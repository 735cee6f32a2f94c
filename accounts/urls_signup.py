"""Organisation sign-up on the public host."""

from django.urls import URLPattern, URLResolver, path

from accounts import views_signup

urlpatterns: list[URLPattern | URLResolver] = [
    path("signup", views_signup.signup, name="signup"),
    path("signup/slug-available", views_signup.slug_available, name="signup_slug_available"),
]
