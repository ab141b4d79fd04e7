"""Domain rules of the MEDE01.09 operation policies, registered as BPMN service operators."""

from engine import ServiceRegistry
from handlers import acts, commitments, notifications, viability


def service_registry() -> ServiceRegistry:
    """A registry with every operator the procedures may call."""
    registry = ServiceRegistry()
    for module in (notifications, commitments, acts, viability):
        module.register(registry)
    return registry


__all__ = ["service_registry"]
