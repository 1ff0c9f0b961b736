"""Custom networks: task heads on top of any Hugging Face encoder."""
