"""The bot action of this plugin: schedule an SNS message about each match, ``hours`` after the bot runs.

The message is a Jinja2 template rendered when the bot runs (``resource``, ``event``, ``bot_name``, ...), so
the event stores plain text and the job has nothing left to evaluate.
"""

from DivvyBotfactory.event import BotEvent
from DivvyBotfactory.registry import BotFactoryRegistryWrapper
from DivvyBotfactory.scheduling import ScheduledEventTracker, schedule_hours_from_now
from DivvyDb.QueryFilters.cloud_types import CloudType
from DivvyUtils.field_definition import FieldOptions, FloatField, Jinja2StringField, Jinja2TextField, StringField

from botfactory.bots.fields import render_template  # Jinja2 in a sandbox: templates come from bot JSON

from .jobs import EVENT_TYPE

registry = BotFactoryRegistryWrapper()

DEFAULT_MESSAGE = "Bot {{ bot_name }} matched {{ resource.resource_type }} {{ resource.name or resource.native_id }}."


@registry.action(
    uid="custom.action.scheduled_sns_notify",
    name="Notify an SNS topic (delayed)",
    description="Publish a message about each matched resource to an SNS topic, a number of hours after the run.",
    author="botfactory examples",
    supported_resources=[],
    supported_clouds=[
        CloudType.AMAZON_WEB_SERVICES,
        CloudType.AMAZON_WEB_SERVICES_GOV,
        CloudType.AMAZON_WEB_SERVICES_CHINA,
    ],
    settings_config=[
        StringField(
            name="topic",
            display_name="Topic",
            description="The topic's ARN, or its name in the resource's account and region.",
            options=FieldOptions.REQUIRED,
        ),
        Jinja2StringField(
            name="subject",
            display_name="Subject",
            description="Subject line (templated; at most 100 characters are sent).",
            default="botfactory: {{ bot_name }}",
        ),
        Jinja2TextField(
            name="message",
            display_name="Message",
            description="Message template: resource, event, bot_id and bot_name are available.",
            default=DEFAULT_MESSAGE,
        ),
        FloatField(
            name="hours",
            display_name="Hours to wait",
            description="Hours after the bot run to publish (0 = in one minute).",
            min_value=0,
            max_value=24 * 365,
            default=0,
        ),
    ],
    bulk_action=True,
    accepts_complement=False,
)
def scheduled_sns_notify(bot, settings, matches, non_matches):
    with ScheduledEventTracker() as context:
        for resource in matches:
            event = BotEvent("match", resource, bot.bot_id, bot.name)
            variables = event.template_context()
            context.schedule_bot_event(
                bot=bot,
                resource=resource,
                description=f"Notify {settings['topic']} about {resource.get_resource_id()}",
                event_type=EVENT_TYPE,
                schedule_data=schedule_hours_from_now(settings["hours"]),
                action_data={
                    "topic": settings["topic"],
                    "subject": render_template(settings["subject"], **variables),
                    "message": render_template(settings["message"], **variables),
                },
            )
    return {"scheduled": len(matches)}


def load():
    registry.load()


def unload():
    registry.unload()
