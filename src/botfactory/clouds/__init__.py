"""Cloud accounts and providers: how botfactory reaches a cloud (boto3 for AWS) to harvest and act."""

from botfactory.clouds.accounts import Account, AccountStore
from botfactory.clouds.base import HarvestError, HarvestResult, Provider

__all__ = ["Account", "AccountStore", "HarvestError", "HarvestResult", "Provider"]
