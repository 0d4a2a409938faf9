"""AWS through boto3: harvest (``harvest``), remediation (``actions``), their event types (``jobs``) and the local
emulator (``emulator``, moto's server)."""
