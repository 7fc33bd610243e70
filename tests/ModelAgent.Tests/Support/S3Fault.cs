using System.Text;

namespace ModelAgent.Tests.Support;

/// <summary>One S3 error answer: the status, the error code of the XML body, and a Retry-After header when given.</summary>
internal sealed record S3Fault(int Status, string Code, string Message, string? RetryAfter = null)
{
    public static readonly S3Fault SlowDown = new(503, "SlowDown", "Please reduce your request rate.");
    public static readonly S3Fault ExpiredToken = new(400, "ExpiredToken", "The provided token has expired.");
    public static readonly S3Fault RequestTimeTooSkewed =
        new(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
    public static readonly S3Fault AccessDenied = new(403, "AccessDenied", "Access Denied");
    public static readonly S3Fault InternalError = new(500, "InternalError", "We encountered an internal error. Please try again.");

    public async Task WriteAsync(RawRequest request, Stream client)
    {
        var body = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
            $"<Error><Code>{Code}</Code><Message>{Message}</Message><RequestId>FAULT0001</RequestId></Error>");
        // A HEAD answer has no body: the SDK then knows the error by its status only, as with a real store.
        var sent = request.Method == "HEAD" ? [] : body;
        List<(string, string)> headers = [("Content-Type", "application/xml"), ("Content-Length", sent.Length.ToString()),
            ("x-amz-request-id", "FAULT0001")];
        if (RetryAfter is not null) headers.Add(("Retry-After", RetryAfter));
        await RawHttpServer.WriteAsync(client, Status, headers, sent);
    }
}
