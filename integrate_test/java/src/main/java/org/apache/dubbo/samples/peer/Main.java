package org.apache.dubbo.samples.peer;

import java.util.HashMap;
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
 * network namespace. Usage:
 *
 * <pre>
 *   provider --port P [--unix-in PATH]
 *       serves the Greeter on 127.0.0.1:P (Dubbo binds 0.0.0.0 of the
 *       namespace); PATH relays to it; prints "READY P" when serving.
 *   consumer --port P [--unix-out PATH] --cases a,b,...
 *       calls tri://127.0.0.1:P, relayed to PATH, and prints one JSON
 *       line per case (see Consumer), then exits.
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("no mode");
        }
        Map<String, String> flags = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                usage("expected a --flag, got " + args[i]);
            }
            flags.put(args[i].substring(2), args[i + 1]);
        }
        int port = Integer.parseInt(require(flags, "port"));
        ApplicationConfig app = new ApplicationConfig("streamx-java-peer");
        app.setQosEnable(false);
        switch (args[0]) {
            case "provider" -> {
                ServiceConfig<Greeter> svc = new ServiceConfig<>();
                svc.setInterface(Greeter.class);
                svc.setRef(new GreeterImpl());
                ProtocolConfig tri = new ProtocolConfig("tri", port);
                tri.setHost("127.0.0.1");
                DubboBootstrap.getInstance().application(app)
                        .registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE))
                        .protocol(tri).service(svc).start();
                if (flags.containsKey("unix-in")) {
                    Relay.unixToTcp(flags.get("unix-in"), port);
                }
                System.out.println("READY " + port);
                System.out.flush();
                Thread.currentThread().join();
            }
            case "consumer" -> {
                if (flags.containsKey("unix-out")) {
                    Relay.tcpToUnix(port, flags.get("unix-out"));
                }
                ReferenceConfig<Greeter> ref = new ReferenceConfig<>();
                ref.setInterface(Greeter.class);
                ref.setUrl("tri://127.0.0.1:" + port);
                ref.setTimeout(10000);
                ref.setRetries(0);
                ref.setCheck(false);
                DubboBootstrap.getInstance().application(app).reference(ref).start();
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

    private static String require(Map<String, String> flags, String name) {
        String v = flags.get(name);
        if (v == null) {
            usage("missing --" + name);
        }
        return v;
    }

    private static void usage(String why) {
        System.err.println("streamx-java-peer: " + why
                + "; usage: provider --port P [--unix-in PATH] | consumer --port P [--unix-out PATH] --cases a,b");
        System.exit(2);
    }
}
