class CampaignRefused(ValueError):
    """A campaign change that breaks a rule; the message is for the admin."""
