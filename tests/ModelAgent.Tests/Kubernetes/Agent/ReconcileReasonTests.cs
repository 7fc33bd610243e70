using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>Which failures are tried again within a run, and how the reason reaches the entry without breaking OME's reading.</summary>
public class ReconcileReasonTests
{
    public static TheoryData<Exception, bool> Failures() => new()
    {
        { new OriginException(OriginFailureKind.Unavailable, "503"), true },
        { new OriginException(OriginFailureKind.RateLimited, "429"), true },
        { new TransferFailedException("connection reset while fetching model.safetensors"), true },
        { new HttpRequestException("connection refused"), true },
        { new OriginException(OriginFailureKind.Gated, "gated"), false },
        { new OriginException(OriginFailureKind.RepositoryNotFound, "not found"), false },
        { new LocalStorageException(LocalStorageFailure.NoSpace, "/raid/m", null, "ENOSPC", 100, 10), false },
        { new PullRefusedException("/raid/m holds hf://other/model"), false },
        { new UnsafeStateException("/raid/m/.model-agent", "a symlink"), false },
        { new InvalidOperationException("a bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Only_a_busy_or_unreachable_origin_is_worth_another_attempt_in_the_same_run(Exception failure, bool transient)
    {
        var mapped = PullFailure.From(failure, CancellationToken.None);

        Assert.Equal(transient, mapped!.Transient);
        Assert.Contains(failure.Message, mapped.Reason);
    }

    [Fact]
    public void Our_own_cancellation_is_no_failure_but_a_client_timeout_is()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Null(PullFailure.From(new OperationCanceledException(cancelled.Token), cancelled.Token));
        Assert.True(PullFailure.From(new TaskCanceledException(), CancellationToken.None)!.Transient);
    }

    [Fact]
    public void The_message_is_left_out_when_empty_so_the_entry_is_OMEs_and_written_last_when_set()
    {
        var entry = new ModelConfigMapEntry { Name = "llama", Status = ModelNodeStatus.Failed };

        Assert.Equal("""{"name":"llama","status":"Failed"}""", entry.ToJson());
        Assert.Equal("""{"name":"llama","status":"Failed","message":"Secret default/hf-token not found"}""",
            (entry with { Message = "Secret default/hf-token not found" }).ToJson());
        Assert.True(ModelConfigMapEntry.TryParse("""{"message":"waiting for node-3","name":"m","status":"Updating"}""",
            out var parsed, out _));
        Assert.Equal("waiting for node-3", parsed!.Message);
    }
}
