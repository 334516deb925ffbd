from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "brokerdesk.synth"
    label = "synth"
    verbose_name = "Synthetic brokerage"
