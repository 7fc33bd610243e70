using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Watch;

/// <summary>
/// A change to one stored object. <see cref="Previous"/> is the object before the change (null for ADDED), so a
/// watcher with a selector can tell an object entering or leaving its selection.
/// </summary>
internal sealed record WatchEvent(string Type, ResourceDefinition Resource, JsonObject Object, JsonObject? Previous, long ResourceVersion)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";

    public JsonObject ToWire() => new() { ["type"] = Type, ["object"] = Object.DeepClone() };
}
