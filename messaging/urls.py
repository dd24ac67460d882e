from django.urls import path

from messaging import views

urlpatterns = [
    path("kannel/", views.KannelInboundView.as_view(), name="kannel-inbound"),
]
