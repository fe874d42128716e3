"""factory-boy factories for the cast and for bulk rows in query-count tests."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from organisations.models import Membership, Organisation, User

PASSWORD = "tansiq-test-pass"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    language = "fr"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(
                user=self, email=self.email, verified=True, primary=True
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Association {n}")
    acronym = factory.Sequence(lambda n: f"A{n}")
    kind = Organisation.Kind.LOCAL_ASSOCIATION
    verified = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.CASEWORKER
