"""Output shapes of the alliance's reference data: chains, technical fields, organisations."""

from rest_framework import serializers

from alliance.models import IndustryChain, Organisation, TechnicalField


class IndustryChainSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryChain
        fields = ["id", "name", "code", "description"]


class TechnicalFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = TechnicalField
        fields = ["id", "name", "chain"]


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "kind_display", "chain", "city"]
