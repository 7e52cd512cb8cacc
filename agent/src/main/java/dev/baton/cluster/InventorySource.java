package dev.baton.cluster;

/** The agent's read model, as far as the fleet view needs it. Called on the cluster thread: must not block. */
@FunctionalInterface
public interface InventorySource {
    LocalInventory snapshot();
}
