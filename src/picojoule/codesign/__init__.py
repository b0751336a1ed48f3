"""Accuracy and joules in one loop: compressed models measured on real data and costed on an
accelerator (see docs/codesign.md)."""
