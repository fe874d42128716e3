from __future__ import annotations

from django.shortcuts import render


def invitation_accept(request, key):
    return render(request, "organisations/invitation_accept.html")
