using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Storage;

/// <summary>
/// How a proposed new state of an existing object (from PUT, or from applying a PATCH) becomes the stored one:
/// the optimistic-concurrency check, status-subresource separation, server-owned metadata, finalizer rules and
/// validation. Pure: the store numbers and publishes the result.
/// </summary>
internal static class UpdateRules
{
    public static Outcome Apply(ResourceDefinition def, JsonObject stored, JsonObject proposed, string? subresource, bool fromPatch)
    {
        var name = ServerMetadata.Name(stored);
        if (ObjectValidation.CheckShape(def, proposed) is { } shape) return shape;
        var proposedName = ServerMetadata.Name(proposed);
        if (proposedName != name)
            return ApiError.BadRequest($"the name of the object ({proposedName}) does not match the name on the URL ({name})");
        var proposedNs = ServerMetadata.Namespace(proposed);
        if (def.Namespaced && !string.IsNullOrEmpty(proposedNs) && proposedNs != ServerMetadata.Namespace(stored))
            return ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");

        var wanted = ServerMetadata.ResourceVersion(proposed);
        if (wanted.Length == 0 && def.IsCustomResource && !fromPatch)
            return ApiError.Invalid(def, name,
                [new FieldProblem("metadata.resourceVersion", "FieldValueInvalid", "Invalid value: 0x0: must be specified for an update")]);
        if (wanted.Length > 0 && wanted != ServerMetadata.ResourceVersion(stored))
            return ApiError.StaleResourceVersion(def, name);

        JsonObject next;
        if (subresource == "status")
        {
            // A status write changes status only; metadata and spec stay as stored.
            next = (JsonObject)stored.DeepClone();
            if (proposed["status"] is { } status) next["status"] = status.DeepClone();
            else next.Remove("status");
        }
        else
        {
            next = (JsonObject)proposed.DeepClone();
            if (def.HasStatus)
            {
                if (stored["status"] is { } status) next["status"] = status.DeepClone();
                else next.Remove("status");
            }
        }
        ServerMetadata.FoldStringData(def, next);
        ServerMetadata.CarryOver(stored, next);
        next = ServerMetadata.WithTypeFirst(def, next);

        var problems = new List<FieldProblem>();
        if (ServerMetadata.IsTerminating(stored))
        {
            var added = ServerMetadata.Finalizers(next).Except(ServerMetadata.Finalizers(stored)).ToList();
            if (added.Count > 0)
                problems.Add(
                    FieldProblem.Forbidden("metadata.finalizers",
                    $"no new finalizers can be added if the object is being deleted, found new finalizers " +
                    $"[]string{{\"{string.Join("\", \"", added)}\"}}"));
        }
        problems.AddRange(ObjectValidation.Check(def, next));
        if (def.Schema is { } schema) problems.AddRange(StructuralSchema.PruneAndCheck(schema, next).Problems);
        if (problems.Count > 0) return ApiError.Invalid(def, name, problems);

        if (ServerMetadata.SpecChanged(stored, next))
            ServerMetadata.Meta(next)["generation"] = ServerMetadata.Generation(stored) + 1;
        return next;
    }

    /// <summary>Checks DeleteOptions.preconditions the way kube-apiserver words a failed one.</summary>
    public static ApiError? CheckPreconditions(ResourceDefinition def, JsonObject stored, string? uid, string? resourceVersion)
    {
        var name = ServerMetadata.Name(stored);
        var storedUid = Text(stored["metadata"]?["uid"]);
        if (!string.IsNullOrEmpty(uid) && uid != storedUid)
            return ApiError.Conflict(def, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {storedUid}");
        var storedRv = ServerMetadata.ResourceVersion(stored);
        if (!string.IsNullOrEmpty(resourceVersion) && resourceVersion != storedRv)
            return ApiError.Conflict(def, name,
                $"Precondition failed: ResourceVersion in precondition: {resourceVersion}, ResourceVersion in object meta: {storedRv}");
        return null;
    }
}
