"""Date formats per language (``FORMAT_MODULE_PATH``): Django's own English and French formats
write dates the American or the long French way; the project writes 31.01.2026 14:05 everywhere."""
