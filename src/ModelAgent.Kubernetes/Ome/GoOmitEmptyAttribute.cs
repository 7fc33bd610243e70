namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// Marks a property that OME's Go structs tag <c>omitempty</c>: left out when null, <c>""</c>, <c>0</c> or an empty
/// collection, exactly when Go's encoding/json leaves it out (System.Text.Json's own conditions only know null/default).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class GoOmitEmptyAttribute : Attribute
{
    public static bool IsEmpty(object? value) => value switch
    {
        null => true,
        string s => s.Length == 0,
        int i => i == 0,
        long l => l == 0,
        System.Collections.ICollection c => c.Count == 0,
        System.Collections.IEnumerable e => !e.GetEnumerator().MoveNext(),
        _ => false,
    };
}
