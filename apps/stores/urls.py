from django.contrib.auth.views import LogoutView
from django.urls import path

from apps.stores import views

app_name = "stores"

urlpatterns = [
    path("", views.page, name="page"),
    path("search/", views.search, name="search"),
    path("p/<path:sku>/", views.product, name="product"),
    path("choose/", views.choose_store, name="choose"),
    path("login/", views.StoreLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="stores:login"), name="logout"),
]
