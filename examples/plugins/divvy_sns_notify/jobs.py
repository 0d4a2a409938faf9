"""The scheduled event of this plugin: publish one message to an SNS topic, through the account's boto3 client.

Written the DivvyCloud way: the job class is recorded on a ``ScheduledEventRegistryWrapper`` and activated by
``load()``; ``unload()`` takes it away again. Events of this type that are still pending when the plugin is
unloaded simply wait until it is loaded again.
"""

from datetime import datetime

from DivvyPlugins.plugin_metadata import PluginMetadata
from DivvyWorkers.Processors.ScheduledEvents import ScheduledEventRegistryWrapper
from DivvyWorkers.ScheduledWorkers.base import ScheduledEventJob

from botfactory.clouds.accounts import AccountStore
from botfactory.db import default_database
from botfactory.resources.model import ResourceId

EVENT_TYPE = "custom.sns_notify.publish"


class metadata(PluginMetadata):  # DivvyCloud looks for a class named ``metadata``
    version = "1.0"
    last_updated_date = "2026-11-28"
    author = "botfactory examples"
    nickname = "SNS notify (delayed)"
    default_language_description = "Publish a message about each matched resource to an SNS topic, hours later."
    support_email = "[email protected]"
    support_url = "https://example.com/support"
    main_url = "https://example.com/"
    category = "Notifications"
    managed = False


events = ScheduledEventRegistryWrapper()


def topic_region(topic, default_region):
    """An ARN names its region (arn:aws:sns:REGION:ACCOUNT:NAME); a bare name lives in the resource's region."""
    if topic.startswith("arn:"):
        return topic.split(":")[3]
    return "us-east-1" if default_region in ("", "global") else default_region


def find_topic_arn(client, topic):
    """The ARN of ``topic`` (an ARN already, or a topic name looked up in the account)."""
    if topic.startswith("arn:"):
        return topic
    for page in client.get_paginator("list_topics").paginate():
        for item in page.get("Topics", []):
            if item["TopicArn"].rsplit(":", 1)[-1] == topic:
                return item["TopicArn"]
    raise LookupError(f"no SNS topic named {topic!r}")


@events.register(EVENT_TYPE, max_attempts=3)
class PublishToTopicJob(ScheduledEventJob):
    """Publish ``message`` (rendered when the bot ran) to ``topic`` for the event's resource."""

    def __init__(
        self,
        resource_id,
        user_resource_id,
        scheduled_event_id,
        scheduled_event_type,
        topic,
        message,
        subject=None,
        **kwargs,
    ):
        super().__init__(resource_id, user_resource_id, scheduled_event_id, scheduled_event_type, **kwargs)
        self.topic = topic
        self.message = message
        self.subject = subject

    def run(self):
        start_time = datetime.utcnow()
        try:
            resource = ResourceId.from_string(self.resource_id)
            # The account the resource belongs to; its boto3 client carries that account's credentials.
            account = AccountStore(default_database()).get(resource.account_id)
            client = account.client("sns", topic_region(self.topic, resource.region))
            arn = find_topic_arn(client, self.topic)
            params = {"TopicArn": arn, "Message": self.message}
            if self.subject:
                params["Subject"] = self.subject[:100]  # SNS refuses longer subjects
            message_id = client.publish(**params)["MessageId"]
        except Exception as exc:  # an ERROR record fails this attempt; the worker retries it with backoff
            self.store_event_history(start_time, datetime.utcnow(), "ERROR", f"{type(exc).__name__}: {exc}")
            return
        self.store_event_history(start_time, datetime.utcnow(), "SUCCESS", f"published message {message_id} to {arn}")


def load():
    events.load()


def unload():
    events.unload()
