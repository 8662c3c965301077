"""Text helpers for page names."""
import re


def slugify(text):
    """'Hello, World!' -> 'hello-world'."""
    return re.sub(r"[^a-z0-9]", "-", text.lower())


def title_case(text):
    return " ".join(word.capitalize() for word in text.split())
