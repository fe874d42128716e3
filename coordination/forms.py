"""The one way pages show a service's refusal on a form (STYLE.md §3: rules live in
services; forms only shape input)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms

from .exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names, or at
    the top of the form when it names none of the form's fields."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@contextmanager
def service_errors(form: forms.Form) -> Iterator[None]:
    """Run a service call for a valid form; a ValidationError it raises lands on the
    form and the block stops there, so what follows the block re-renders the form::

        with service_errors(form):
            need = services.add_need(emergency, actor=user, **form.cleaned_data)
            messages.success(request, _("The need has been added."))
            return redirect(need)
        return self.form_invalid(form)  # only reached when the service refused
    """
    try:
        yield
    except ValidationError as error:
        add_service_errors(form, error)
