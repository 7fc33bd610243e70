namespace ModelAgent.Tests.Sources;

public sealed class HfErrorMapperTests
{
    private static HttpResponseMessage Answer(int status, string? code = null, string? message = null)
    {
        var response = new HttpResponseMessage((System.Net.HttpStatusCode)status);
        if (code is not null) response.Headers.TryAddWithoutValidation("X-Error-Code", code);
        if (message is not null) response.Headers.TryAddWithoutValidation("X-Error-Message", message);
        return response;
    }

    [Theory]
    [InlineData(401, null, "Invalid username or password.", false, "RepositoryNotFound", "not visible without a token")]
    [InlineData(401, null, "Invalid username or password.", true, "RepositoryNotFound", "not visible with the token given")]
    [InlineData(401, null, "Invalid credentials in Authorization header", true, "Unauthorized", "the token was refused")]
    [InlineData(404, "RepoNotFound", null, true, "RepositoryNotFound", "not found or not visible")]
    [InlineData(404, "RevisionNotFound", null, false, "RevisionNotFound", "check the branch, tag or commit")]
    [InlineData(404, "EntryNotFound", null, false, "EntryNotFound", "rerun the pull")]
    [InlineData(401, "GatedRepo", null, false, "Gated", "accept its conditions")]
    [InlineData(403, "GatedRepo", null, true, "Gated", "request access")]
    [InlineData(403, null, "Access to this resource is disabled.", true, "Forbidden", "disabled")]
    [InlineData(429, null, null, false, "RateLimited", "set HF_TOKEN")]
    [InlineData(503, null, null, false, "Unavailable", "retry later")]
    public void Each_answer_maps_to_a_kind_and_an_instruction(int status, string? code, string? message, bool withToken, string kind,
        string text)
    {
        using var response = Answer(status, code, message);
        var token = withToken ? new ModelAgent.Sources.HuggingFace.HfToken("hf_abcdefghijklmnop") : null;

        var e = ModelAgent.Sources.HuggingFace.HfErrorMapper.Map("hf://o/m@main", "listing files", response, token);

        Assert.Equal(kind, e.Kind.ToString());
        Assert.Contains(text, e.Message);
        Assert.StartsWith("hf://o/m@main: ", e.Message);
        Assert.Contains($"HTTP {status}", e.Message);
    }
}
