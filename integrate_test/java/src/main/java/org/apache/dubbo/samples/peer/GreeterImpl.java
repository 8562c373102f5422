package org.apache.dubbo.samples.peer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.dubbo.common.stream.StreamObserver;
import org.apache.dubbo.remoting.http12.h2.Http2CancelableStreamObserver;
import org.apache.dubbo.rpc.CancellationContext;
import org.apache.dubbo.rpc.RpcContext;
import org.apache.dubbo.rpc.StatusRpcException;
import org.apache.dubbo.rpc.TriRpcStatus;
import org.apache.dubbo.rpc.protocol.tri.h12.AttachmentHolder;
import org.apache.dubbo.samples.data.DubboGreeterTriple;
import org.apache.dubbo.samples.data.GreeterOuterClass.GreeterReply;
import org.apache.dubbo.samples.data.GreeterOuterClass.GreeterRequest;

/**
 * The Java provider of samples/proto/greeter.proto, answering as the Go
 * samples' Greeter does, plus behaviours chosen by the request's name:
 * "bad" fails with INVALID_ARGUMENT (after the messages before it, on
 * streams), "accent" fails with a non-ASCII message, "sleep" waits for
 * the caller's cancel and reports it on stdout, "meta" echoes the x-token
 * request header and sets the response attachment x-reply (unary and
 * server stream), "big" answers 1 MiB messages.
 */
final class GreeterImpl extends DubboGreeterTriple.GreeterImplBase {
    static final int MIB = 1 << 20;

    static GreeterReply reply(String msg) {
        return GreeterReply.newBuilder().setMessage(msg).build();
    }

    static StatusRpcException invalid(String msg) {
        return TriRpcStatus.fromCode(TriRpcStatus.Code.INVALID_ARGUMENT).withDescription(msg).asException();
    }

    @Override
    public GreeterReply sayHello(GreeterRequest req) {
        String name = req.getName();
        event("call", "sayHello", Map.of("name", name.length() > 64 ? "<long>" : name));
        switch (name) {
            case "bad":
                throw invalid("bad name");
            case "accent":
                throw invalid("mauvais prénom");
            case "sleep": {
                CancellationContext cc = RpcContext.getCancellationContext();
                awaitCancel("sayHello", cc, cc.isCancelled());
                return reply("woke up");
            }
            case "meta": {
                String token = RpcContext.getServerAttachment().getAttachment("x-token");
                RpcContext.getServerResponseContext().setAttachment("x-reply", "from-java");
                return reply("x-token=" + token);
            }
            case "big":
                return reply("x".repeat(MIB));
            default:
                if (name.length() >= MIB) {
                    return reply("len=" + name.length());
                }
                return reply("Hello, " + name);
        }
    }

    @Override
    public StreamObserver<GreeterRequest> clientStream(StreamObserver<GreeterReply> out) {
        return new StreamObserver<>() {
            final List<String> names = new ArrayList<>();
            boolean failed;

            @Override
            public void onNext(GreeterRequest req) {
                if (failed) {
                    return;
                }
                if (req.getName().equals("bad")) {
                    failed = true;
                    out.onError(invalid("bad name after " + names.size()));
                    return;
                }
                names.add(req.getName());
            }

            @Override
            public void onError(Throwable t) {
                event("client_error", "clientStream", Map.of("error", String.valueOf(t)));
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    out.onNext(reply(String.join(" ", names)));
                    out.onCompleted();
                }
            }
        };
    }

    @Override
    public void serverStream(GreeterRequest req, StreamObserver<GreeterReply> out) {
        String name = req.getName();
        switch (name) {
            case "bad":
                out.onNext(reply("bad 0"));
                out.onNext(reply("bad 1"));
                out.onError(invalid("bad name after 2"));
                return;
            case "big":
                for (int i = 0; i < 3; i++) {
                    out.onNext(reply(String.valueOf(i).repeat(MIB)));
                }
                out.onCompleted();
                return;
            case "meta": {
                String token = RpcContext.getServerAttachment().getAttachment("x-token");
                if (out instanceof AttachmentHolder h) {
                    h.setResponseAttachments(Map.of("x-reply", "from-java"));
                }
                out.onNext(reply("x-token=" + token));
                out.onCompleted();
                return;
            }
            case "sleep": {
                out.onNext(reply("sleep 0"));
                CancellationContext cc = out instanceof Http2CancelableStreamObserver<?> c
                        ? c.getCancellationContext() : RpcContext.getCancellationContext();
                awaitCancel("serverStream", cc, cc.isCancelled());
                return;
            }
            default:
                for (int i = 0; i < 3; i++) {
                    out.onNext(reply(name + " " + i));
                }
                out.onCompleted();
        }
    }

    @Override
    public StreamObserver<GreeterRequest> biStream(StreamObserver<GreeterReply> out) {
        return new StreamObserver<>() {
            int n;
            boolean failed;

            @Override
            public void onNext(GreeterRequest req) {
                if (failed) {
                    return;
                }
                if (req.getName().equals("bad")) {
                    failed = true;
                    out.onError(invalid("bad name after " + n));
                    return;
                }
                n++;
                out.onNext(reply("Hello, " + req.getName()));
            }

            @Override
            public void onError(Throwable t) {
                event("client_error", "biStream", Map.of("error", String.valueOf(t)));
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    out.onCompleted();
                }
            }
        };
    }

    /**
     * Waits up to 10 s for the call's cancel and prints what came: an
     * event line with how long it took ("stale" when the context was
     * already cancelled at the start, by an earlier call on the thread).
     */
    private static void awaitCancel(String method, CancellationContext cc, boolean stale) {
        long start = System.nanoTime();
        CountDownLatch done = new CountDownLatch(1);
        cc.addListener(ctx -> done.countDown());
        boolean cancelled;
        try {
            cancelled = done.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelled = false;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cancelled", cancelled);
        m.put("stale", stale);
        m.put("after_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        event("cancel", method, m);
    }

    static void event(String kind, String method, Map<String, Object> fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", kind);
        m.put("method", method);
        m.putAll(fields);
        Json.println(m);
    }
}
