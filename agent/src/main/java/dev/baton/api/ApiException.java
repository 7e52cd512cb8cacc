package dev.baton.api;

import dev.baton.control.ControlException;

/**
 * An error the API answers with a JSON body {@code {"error":{"status","code","message"}}}; thrown by
 * handlers, turned into a response by {@link ErrorHandler}.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    /** For 405: the methods the route accepts (the {@code Allow} header), else null. */
    private final String allow;

    ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    private ApiException(int status, String code, String message, String allow) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.allow = allow;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    String allow() {
        return allow;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    static ApiException methodNotAllowed(String method, String allow) {
        return new ApiException(405, "method_not_allowed", method + " is not allowed here; allowed: " + allow, allow);
    }

    static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message);
    }

    static ApiException tooLarge(long limit) {
        return new ApiException(413, "payload_too_large", "the request body is larger than " + limit + " bytes");
    }

    static ApiException unsupportedType(String message) {
        return new ApiException(415, "unsupported_media_type", message);
    }

    static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }

    /** The agent's own refusal, with the status its kind stands for. */
    static ApiException from(ControlException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> notFound(e.getMessage());
            case CONFLICT -> conflict(e.getMessage());
            case BAD_REQUEST -> badRequest(e.getMessage());
            case UNAVAILABLE -> unavailable(e.getMessage());
        };
    }
}
