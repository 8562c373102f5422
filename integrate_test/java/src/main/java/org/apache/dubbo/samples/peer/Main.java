package org.apache.dubbo.samples.peer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.samples.data.Greeter;

/**
 * The Java peer of integrate_test/java_test.go, run inside a loopback-only
 * network namespace; Unix sockets relay it to the host's loopback. Usage:
 *
 * <pre>
 *   provider --port P [--zookeeper HOST:PORT] [relays]
 *       serves the Greeter on port P (Dubbo binds 0.0.0.0 of the
 *       namespace), registered in Zookeeper if given; prints "READY P".
 *   consumer --port P [--zookeeper HOST:PORT [--provided-by APP]] --cases a,b,... [relays]
 *       calls tri://127.0.0.1:P, or the provider Zookeeper names (with
 *       --provided-by, only application-level discovery of APP); prints
 *       one JSON line per case (see Consumer), then exits.
 *   relays: --relay-in PATH=PORT   the Unix socket PATH to 127.0.0.1:PORT
 *           --relay-out PORT=PATH  127.0.0.1:PORT to the Unix socket PATH
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("no mode");
        }
        Map<String, String> flags = new HashMap<>();
        List<String[]> relaysIn = new ArrayList<>();
        List<String[]> relaysOut = new ArrayList<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("expected --flag value, got " + args[i]);
            }
            String name = args[i].substring(2);
            String value = args[i + 1];
            switch (name) {
                case "relay-in" -> relaysIn.add(split(value));
                case "relay-out" -> relaysOut.add(split(value));
                default -> flags.put(name, value);
            }
        }
        for (String[] r : relaysIn) {
            Relay.unixToTcp(r[0], Integer.parseInt(r[1]));
        }
        for (String[] r : relaysOut) {
            Relay.tcpToUnix(Integer.parseInt(r[0]), r[1]);
        }
        int port = Integer.parseInt(require(flags, "port"));
        String zk = flags.get("zookeeper");
        RegistryConfig registry = new RegistryConfig(zk == null ? RegistryConfig.NO_AVAILABLE : "zookeeper://" + zk);
        ApplicationConfig app = new ApplicationConfig("streamx-java-" + args[0]);
        app.setQosEnable(false);
        // The metadata service (application-level discovery) on the
        // Greeter's own tri port, the one port the relays carry.
        app.setMetadataServiceProtocol("tri");
        app.setMetadataServicePort(port);
        switch (args[0]) {
            case "provider" -> {
                ServiceConfig<Greeter> svc = new ServiceConfig<>();
                svc.setInterface(Greeter.class);
                svc.setRef(new GreeterImpl());
                ProtocolConfig tri = new ProtocolConfig("tri", port);
                tri.setHost("127.0.0.1");
                DubboBootstrap.getInstance().application(app).registry(registry)
                        .protocol(tri).service(svc).start();
                System.out.println("READY " + port);
                System.out.flush();
                Thread.currentThread().join();
            }
            case "consumer" -> {
                ReferenceConfig<Greeter> ref = new ReferenceConfig<>();
                ref.setInterface(Greeter.class);
                if (zk == null) {
                    ref.setUrl("tri://127.0.0.1:" + port);
                } else {
                    ref.setProtocol("tri");
                }
                if (flags.containsKey("provided-by")) {
                    // Application-level discovery only.
                    ref.setProvidedBy(flags.get("provided-by"));
                    System.setProperty("dubbo.application.service-discovery.migration", "FORCE_APPLICATION");
                }
                ref.setTimeout(10000);
                ref.setRetries(0);
                ref.setCheck(false);
                DubboBootstrap.getInstance().application(app).registry(registry).reference(ref).start();
                Consumer c = new Consumer(ref.get());
                for (String name : require(flags, "cases").split(",")) {
                    c.run(name);
                }
                DubboBootstrap.getInstance().stop();
                System.exit(0);
            }
            default -> usage("unknown mode " + args[0]);
        }
    }

    private static String[] split(String relay) {
        String[] kv = relay.split("=", 2);
        if (kv.length != 2) {
            usage("a relay is A=B, got " + relay);
        }
        return kv;
    }

    private static String require(Map<String, String> flags, String name) {
        String v = flags.get(name);
        if (v == null) {
            usage("missing --" + name);
        }
        return v;
    }

    private static void usage(String why) {
        System.err.println("streamx-java-peer: " + why + "; see Main.java for the usage");
        System.exit(2);
    }
}
