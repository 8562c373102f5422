package org.apache.dubbo.samples.peer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.dubbo.common.stream.StreamObserver;
import org.apache.dubbo.rpc.RpcContext;
import org.apache.dubbo.rpc.StatusRpcException;
import org.apache.dubbo.rpc.TriRpcStatus;
import org.apache.dubbo.rpc.protocol.tri.CancelableStreamObserver;
import org.apache.dubbo.samples.data.Greeter;
import org.apache.dubbo.samples.data.GreeterOuterClass.GreeterReply;
import org.apache.dubbo.samples.data.GreeterOuterClass.GreeterRequest;

/**
 * The Java consumer's cases against a Go provider. Each case prints one
 * JSON line: {"case", "messages" received in order, "error" {code,
 * message, class} or null, "attachments" of the response, "elapsed_ms"}.
 * A failed call is a result, not a failure of the program.
 */
final class Consumer {
    /** How long a stream case waits for its end before it reports "no end". */
    static final long STREAM_WAIT_MS = 3000;

    private final Greeter greeter;

    Consumer(Greeter greeter) {
        this.greeter = greeter;
    }

    static GreeterRequest req(String name) {
        return GreeterRequest.newBuilder().setName(name).build();
    }

    void run(String name) {
        Result r = new Result(name);
        long start = System.nanoTime();
        try {
            switch (name) {
                case "unary" -> r.add(greeter.sayHello(req("java")));
                case "unary_bad" -> r.add(greeter.sayHello(req("bad")));
                case "unary_accent" -> r.add(greeter.sayHello(req("accent")));
                case "unary_meta" -> {
                    RpcContext.getClientAttachment().setAttachment("x-token", "abc");
                    r.add(greeter.sayHello(req("meta")));
                    r.attachments.putAll(RpcContext.getClientResponseContext().getObjectAttachments());
                }
                case "server_stream_meta" -> {
                    RpcContext.getClientAttachment().setAttachment("x-token", "abc");
                    serverStream(r, "meta");
                    r.attachments.putAll(RpcContext.getClientResponseContext().getObjectAttachments());
                }
                case "wait_ready" -> waitReady(r);
                case "bidi_cancel" -> bidiCancel(r);
                case "unary_big" -> {
                    GreeterReply reply = greeter.sayHello(req("x".repeat(GreeterImpl.MIB)));
                    r.messages.add(reply.getMessage().length() == GreeterImpl.MIB + "Hello, ".length()
                            ? "Hello, <1 MiB>" : "length " + reply.getMessage().length());
                }
                case "unary_deadline" -> {
                    RpcContext.getClientAttachment().setAttachment("timeout", "500");
                    r.add(greeter.sayHello(req("sleep")));
                }
                case "client_stream" -> stream(r, greeter::clientStream, "a", "b", "c");
                case "client_stream_bad" -> stream(r, greeter::clientStream, "a", "b", "bad", "c");
                case "server_stream" -> serverStream(r, "java");
                case "server_stream_bad" -> serverStream(r, "bad");
                case "server_stream_big" -> serverStream(r, "big");
                case "server_stream_deadline" -> {
                    RpcContext.getClientAttachment().setAttachment("timeout", "500");
                    serverStream(r, "sleep");
                }
                case "bidi" -> stream(r, greeter::biStream, "a", "b");
                case "bidi_bad" -> stream(r, greeter::biStream, "a", "bad", "c");
                case "bidi_big" -> stream(r, greeter::biStream, "x".repeat(GreeterImpl.MIB), "y".repeat(GreeterImpl.MIB));
                default -> throw new IllegalArgumentException("unknown case " + name);
            }
        } catch (Throwable t) {
            r.fail(t);
        }
        r.elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        r.print();
    }

    /**
     * Calls sayHello("ready") until it succeeds, for at most 30 s: a
     * provider found through a registry is not known at once.
     */
    private void waitReady(Result r) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                r.add(greeter.sayHello(req("ready")));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /**
     * Opens a bidi stream, sends "sleep", and once the first reply came
     * cancels the call (Dubbo's stream observer cancel: RST_STREAM).
     */
    private void bidiCancel(Result r) throws InterruptedException {
        Collector c = new Collector(r);
        StreamObserver<GreeterRequest> out = greeter.biStream(c);
        out.onNext(req("sleep"));
        if (!c.first.await(STREAM_WAIT_MS, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("no first reply");
        }
        ((CancelableStreamObserver<?>) out).cancel(new RuntimeException("the Java caller cancels"));
        c.await();
    }

    private void serverStream(Result r, String name) throws InterruptedException {
        Collector c = new Collector(r);
        greeter.serverStream(req(name), c);
        c.await();
    }

    private interface Opener {
        StreamObserver<GreeterRequest> open(StreamObserver<GreeterReply> replies);
    }

    private static void stream(Result r, Opener open, String... names) throws InterruptedException {
        Collector c = new Collector(r);
        StreamObserver<GreeterRequest> out = open.open(c);
        for (String n : names) {
            out.onNext(req(n));
        }
        out.onCompleted();
        c.await();
    }

    /** Collects a stream's replies into a Result until its end. */
    private static final class Collector implements StreamObserver<GreeterReply> {
        final Result r;
        final CountDownLatch done = new CountDownLatch(1);
        final CountDownLatch first = new CountDownLatch(1);

        Collector(Result r) {
            this.r = r;
        }

        @Override
        public void onNext(GreeterReply reply) {
            synchronized (r) {
                r.add(reply);
            }
            first.countDown();
        }

        @Override
        public void onError(Throwable t) {
            synchronized (r) {
                r.fail(t);
            }
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }

        void await() throws InterruptedException {
            if (!done.await(STREAM_WAIT_MS, TimeUnit.MILLISECONDS)) {
                synchronized (r) {
                    r.noEnd = true;
                }
            }
        }
    }

    /** One case's outcome. */
    private static final class Result {
        final String name;
        final List<String> messages = new ArrayList<>();
        final Map<String, Object> attachments = new LinkedHashMap<>();
        Map<String, Object> error;
        boolean noEnd;
        long elapsedMs;

        Result(String name) {
            this.name = name;
        }

        void add(GreeterReply reply) {
            String m = reply.getMessage();
            // 1 MiB messages are summed up: the test checks sizes, not bytes.
            messages.add(m.length() >= GreeterImpl.MIB ? m.charAt(0) + "<" + m.length() + ">" : m);
        }

        void fail(Throwable t) {
            Throwable s = t;
            while (s != null && !(s instanceof StatusRpcException)) {
                s = s.getCause();
            }
            TriRpcStatus st = s != null ? ((StatusRpcException) s).getStatus() : TriRpcStatus.getStatus(t);
            error = new LinkedHashMap<>();
            error.put("code", st.code.code);
            error.put("message", st.description);
            error.put("class", t.getClass().getName());
            error.put("text", String.valueOf(t.getMessage()));
        }

        void print() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("case", name);
            m.put("messages", messages);
            m.put("error", error);
            Map<String, Object> att = new LinkedHashMap<>();
            attachments.forEach((k, v) -> att.put(k, String.valueOf(v)));
            m.put("attachments", att);
            m.put("no_end", noEnd);
            m.put("elapsed_ms", elapsedMs);
            Json.println(m);
        }
    }
}
