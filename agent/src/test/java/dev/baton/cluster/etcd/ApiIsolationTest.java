package dev.baton.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.Cluster;
import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ClusterStatus;
import dev.baton.cluster.ExclusiveProgramControl;
import dev.baton.cluster.FailoverPlan;
import dev.baton.cluster.FleetCounts;
import dev.baton.cluster.HostInventory;
import dev.baton.cluster.InventorySource;
import dev.baton.cluster.ReadinessSpec;
import java.io.File;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent may use the cluster's API types without loading jetcd, gRPC, Vert.x or Netty. */
class ApiIsolationTest {

    /** Loads classes itself (child first) and remembers which. */
    private static final class RecordingLoader extends URLClassLoader {
        final List<String> loaded = new ArrayList<>();

        RecordingLoader(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                loaded.add(name);
                return super.loadClass(name, resolve);
            }
        }
    }

    @Test
    void validatingSettingsLoadsNoEtcdClasses() throws Exception {
        URL[] classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> {
                    try {
                        return new File(p).toURI().toURL();
                    } catch (MalformedURLException e) {
                        throw new IllegalStateException(e);
                    }
                }).toArray(URL[]::new);
        try (RecordingLoader loader = new RecordingLoader(classpath)) {
            Class<?> settings = loader.loadClass(ClusterSettings.class.getName());
            Object defaults = settings.getMethod("defaults", List.class)
                    .invoke(null, List.of(URI.create("http://127.0.0.1:2379")));
            Class<?> cluster = loader.loadClass(Cluster.class.getName());
            Method validate = cluster.getMethod("validate", settings, List.class);
            assertEquals(List.of(), validate.invoke(null, defaults, List.of()));
            for (Class<?> api : List.of(ExclusiveProgramControl.class, InventorySource.class, HostInventory.class,
                    ClusterStatus.class, FailoverPlan.class, FleetCounts.class, ReadinessSpec.Http.class)) {
                Class.forName(api.getName(), true, loader);
            }
            List<String> heavy = loader.loaded.stream()
                    .filter(n -> n.startsWith("io.etcd") || n.startsWith("io.grpc") || n.startsWith("io.vertx")
                            || n.startsWith("io.netty") || n.equals("dev.baton.cluster.etcd.ClusterNode"))
                    .toList();
            assertEquals(List.of(), heavy);
            assertTrue(loader.loaded.contains(Cluster.class.getName()));
            // The detector works: the implementation does pull jetcd in.
            Class.forName("dev.baton.cluster.etcd.ClusterNode", true, loader).getDeclaredMethods();
            assertTrue(loader.loaded.stream().anyMatch(n -> n.startsWith("io.etcd")));
        }
    }
}
