from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("stock.csv", views.stock_csv, name="stock_csv"),
    path("donations.csv", views.donations_csv, name="donations_csv"),
    path("donations/", views.donation_list, name="donation_list"),
    path("donations/new/", views.donation_new, name="donation_new"),
    path("donations/<int:pk>/", views.donation_detail, name="donation_detail"),
    path("donations/<int:pk>/correct/", views.donation_correct, name="donation_correct"),
    path("donations/<int:pk>/void/", views.donation_void, name="donation_void"),
    path("count/", views.count_locations, name="count_locations"),
    path("locations/<int:pk>/count/", views.location_count, name="location_count"),
    path("items/<int:pk>/lots/", views.item_lots, name="item_lots"),
    path("lots/<int:pk>/", views.lot_detail, name="lot_detail"),
    path("lots/<int:pk>/spoil/", views.lot_spoil, name="lot_spoil"),
    path("lots/<int:pk>/transfer/", views.lot_transfer, name="lot_transfer"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<str:kind>/new/", views.catalogue_edit, name="catalogue_new"),
    path("catalogue/<str:kind>/<int:pk>/", views.catalogue_edit, name="catalogue_edit"),
]
