"""Harvested cloud resources: the model bots look at and jobs act on."""

from botfactory.resources.model import Resource, ResourceId

__all__ = ["Resource", "ResourceId"]
