"""hankegraafi: a knowledge graph of Finnish social- and health-care development projects."""

__version__ = "0.1.0"
