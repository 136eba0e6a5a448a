"""f5flow: turn a folder of recordings with transcripts into an F5-TTS fine-tuning dataset and model."""

__version__ = "0.1.0"
