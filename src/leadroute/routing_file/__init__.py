"""The routing file (YAML or JSON): read, check with path-naming errors, build the config."""

from leadroute.routing_file.loading import load_routing_file, parse_routing_text, read_routing_data

__all__ = ["load_routing_file", "parse_routing_text", "read_routing_data"]
