"""botfactory: durable scheduled events for cloud-security bots."""

__version__ = "0.1.0"
