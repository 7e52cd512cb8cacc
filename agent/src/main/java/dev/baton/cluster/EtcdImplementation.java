package dev.baton.cluster;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the etcd-backed implementation ({@code dev.baton.cluster.etcd} with jetcd, gRPC, Netty, Guava and
 * Vert.x) comes from. It is not in {@code baton.jar}: its ~10,000 jar entries would cost every agent
 * about 1.5 MB of heap (the JDK keeps a jar's central directory in memory) and time at start, and only
 * agents with {@code [cluster]} use it. The build puts it in {@code baton-cluster.jar} beside
 * {@code baton.jar}, loaded here through its own class loader the first time a cluster starts. When the
 * classes are already on the class path (tests, an IDE) that class path is used.
 */
final class EtcdImplementation {
    static final String JAR = "baton-cluster.jar";
    private static final String NODE = "dev.baton.cluster.etcd.ClusterNode";
    private static ClassLoader loader;

    private EtcdImplementation() {
    }

    /** {@code ClusterNode.open(...)}: connects in the background and returns at once. */
    static synchronized Cluster open(ClusterSettings settings, List<ExclusiveProgramSettings> exclusive,
                                     Path stateDir, ExclusiveProgramControl control, InventorySource inventory, EngineRoles roles)
            throws ReflectiveOperationException {
        if (loader == null) {
            loader = openLoader();
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // gRPC and Vert.x look up their providers (ServiceLoader) through the context loader, also in
        // the threads they start while opening, which inherit it.
        thread.setContextClassLoader(loader);
        try {
            return (Cluster) Class.forName(NODE, true, loader)
                    .getDeclaredMethod("open", ClusterSettings.class, List.class, Path.class, ExclusiveProgramControl.class,
                            InventorySource.class, EngineRoles.class)
                    .invoke(null, settings, exclusive, stateDir, control, inventory, roles);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static ClassLoader openLoader() throws ClassNotFoundException {
        ClassLoader own = EtcdImplementation.class.getClassLoader();
        if (own.getResource(NODE.replace('.', '/') + ".class") != null) {
            return own;
        }
        Path jar = besideOwnJar();
        if (jar == null || !Files.isReadable(jar)) {
            throw new ClassNotFoundException(NODE + " (" + (jar == null ? JAR : jar) + " is missing)");
        }
        try {
            return new URLClassLoader("baton-cluster", new URL[] {jar.toUri().toURL()}, own);
        } catch (MalformedURLException e) {
            throw new ClassNotFoundException(NODE + " (" + jar + ": " + e.getMessage() + ")", e);
        }
    }

    /** {@code baton-cluster.jar} in the directory of the jar this class came from; null when not from a jar. */
    private static Path besideOwnJar() {
        try {
            URL location = EtcdImplementation.class.getProtectionDomain().getCodeSource().getLocation();
            Path own = Path.of(location.toURI()).toRealPath();
            return Files.isRegularFile(own) ? own.resolveSibling(JAR) : null;
        } catch (URISyntaxException | IOException | SecurityException e) {
            return null;
        }
    }
}
