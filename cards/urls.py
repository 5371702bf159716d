from django.urls import path

from . import views

app_name = "cards"
urlpatterns = [
    path("", views.card_search, name="search"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("movers/", views.movers, name="movers"),
    path("sets/", views.set_list, name="sets"),
    path("<int:pk>/", views.card_detail, name="detail"),
]
