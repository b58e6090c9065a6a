import factory

from apps.inventory.models import StockLocation


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"LOC{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = StockLocation.Kind.WAREHOUSE

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if create and extracted:
            self.channels.set(extracted)
