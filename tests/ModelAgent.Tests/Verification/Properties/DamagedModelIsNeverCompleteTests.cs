using CsCheck;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>
/// Property: a model of any layout that lost or damaged a declared file is never complete, in the mode that must see
/// the damage (see <see cref="Damage"/>): the layout rules without a record see what breaks a declaration; the fast
/// check against a record sees a file gone, resized, or no longer a regular file inside; --deep against a record
/// sees every change of content. A zeroed or swapped range of tensor data keeps every size and header intact, so
/// only --deep with a record can see it, and the property asks exactly that.
/// </summary>
public class DamagedModelIsNeverCompleteTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_model_that_lost_or_damaged_a_declared_file_is_never_complete()
    {
        using var root = new TempDirectory("property-damage");
        var seen = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var iteration = 0;
        await PropertyRun.SampleAsync(output, "4ZWGjKrqSt6v", 130, Gen.Select(PropertyRun.Spec, PropertyRun.Mutation), async sample =>
        {
            var (spec, mutation) = sample;
            var folder = Path.Combine(root.Path, $"case-{Interlocked.Increment(ref iteration)}");
            var outside = Path.Combine(folder, "outside");
            Directory.CreateDirectory(outside);
            var model = await GeneratedModel.WriteAsync(Path.Combine(folder, "model"), spec);
            var other =
                await GeneratedModel.WriteAsync(Path.Combine(folder, "other"),
                spec with { ContentSeed = spec.ContentSeed + 1, WithRecord = false });
            var because = $"{spec}; {mutation}";

            var intact = await PropertyRun.InspectAsync(model.Root, deep: spec.WithRecord, because);
            Assert.True(intact.Complete,
                $"the generated model is not complete before any damage ({because}): {string.Join(" | ", intact.Reasons)}");

            var damage = await Mutator.ApplyAsync(model, mutation, outside, other);
            if (damage.Changed)
            {
                var fast = await PropertyRun.InspectAsync(model.Root, deep: false, because);
                var mustSee = spec.WithRecord ? damage.StatVisible : damage.StructureVisible;
                Assert.False(mustSee && fast.Complete, $"fast check calls a damaged model complete ({because}; {damage})");
                if (spec.WithRecord)
                {
                    var deep = await PropertyRun.InspectAsync(model.Root, deep: true, because);
                    Assert.False(deep.Complete, $"--deep against the record calls a changed model complete ({because}; {damage})");
                }
                var mode = spec.WithRecord ? "record" : "rules";
                var key = $"{mode} {mutation.Kind} {(mustSee ? "must-see" : "deep-only")}";
                seen[key] = seen.GetValueOrDefault(key) + 1;
            }
            Directory.Delete(folder, recursive: true);
        });
        foreach (var (key, count) in seen) output.WriteLine($"{count,4} {key}");
    }
}
