using ModelAgent.Kubernetes.Watch;

namespace ModelAgent.Tests.Kubernetes.Watch;

/// <summary>The coalescing rules of <see cref="ChangeQueue{T}"/>: one entry per key, merged so the consumer's view stays right.</summary>
public class ChangeQueueTests
{
    private static List<(ChangeKind, string, int)> Drain(ChangeQueue<int> queue)
    {
        var taken = new List<(ChangeKind, string, int)>();
        while (queue.TryTake(out var change)) taken.Add((change.Kind, change.Key, change.Object));
        return taken;
    }

    [Theory]
    [InlineData("Added", "Updated", "Added")]
    [InlineData("Updated", "Updated", "Updated")]
    [InlineData("Updated", "Deleted", "Deleted")]
    [InlineData("Deleted", "Added", "Updated")]
    public void Two_changes_to_one_key_merge_into_one_with_the_newest_object(string first, string second, string merged)
    {
        var queue = new ChangeQueue<int>();
        queue.Offer(new(Enum.Parse<ChangeKind>(first), "a", 1));
        queue.Offer(new(Enum.Parse<ChangeKind>(second), "a", 2));
        Assert.Equal([(Enum.Parse<ChangeKind>(merged), "a", 2)], Drain(queue));
    }

    [Fact]
    public void Added_then_deleted_before_the_consumer_looked_is_nothing()
    {
        var queue = new ChangeQueue<int>();
        queue.Offer(new(ChangeKind.Added, "a", 1));
        queue.Offer(new(ChangeKind.Updated, "b", 1));
        queue.Offer(new(ChangeKind.Deleted, "a", 2));
        Assert.Equal([(ChangeKind.Updated, "b", 1)], Drain(queue));
    }

    [Fact]
    public async Task Keys_come_out_in_the_order_they_first_became_pending_and_take_waits_for_one()
    {
        var queue = new ChangeQueue<int>();
        queue.Offer(new(ChangeKind.Added, "a", 1));
        queue.Offer(new(ChangeKind.Added, "b", 1));
        queue.Offer(new(ChangeKind.Updated, "a", 2));
        Assert.Equal(2, queue.Count);
        Assert.Equal(("a", 2), await Take());
        Assert.Equal(("b", 1), await Take());

        var waiting = Take();
        Assert.False(waiting.IsCompleted);
        queue.Offer(new(ChangeKind.Added, "c", 3));
        Assert.Equal(("c", 3), await waiting);

        async Task<(string, int)> Take()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var change = await queue.TakeAsync(timeout.Token);
            return (change.Key, change.Object);
        }
    }
}
