using System.Globalization;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Patching;
using ModelAgent.Testing.KubeApi.Resources;
using ModelAgent.Testing.KubeApi.Selection;
using ModelAgent.Testing.KubeApi.Storage;

namespace ModelAgent.Testing.KubeApi.Http;

/// <summary>Serves the verbs on a resource path (get, list, create, update, patch, delete, deletecollection); watch is
/// <see cref="WatchStream"/>.</summary>
internal sealed class ResourceEndpoint(ObjectStore store, WatchStream watches, CustomResourceKinds crds, TimeProvider time)
{
    public async Task HandleAsync(HttpContext context, ResourceRequest request, string verb, TimeSpan? dropWatchAfter)
    {
        var query = context.Request.Query;
        var dryRun = query["dryRun"].Any(v => v == "All");
        var def = request.Resource;
        var strict = query["fieldValidation"] == "Strict";
        var isCrd = CustomResourceKinds.IsDefinition(def) && request.Subresource is null;
        if (def.Namespaced && request.Namespace is null && request.Name is not null)
        {
            await JsonIo.WriteErrorAsync(context, ApiError.UnknownPath());
            return;
        }
        switch (verb)
        {
            case "get":
                await GetAsync(context, request);
                break;
            case "list":
                await ListAsync(context, request);
                break;
            case "watch":
                await WatchAsync(context, request, dropWatchAfter);
                break;
            case "create":
                await CreateAsync(context, request, dryRun, strict);
                break;
            case "update" when request.Name is not null:
                {
                    var (body, error) = await JsonIo.ReadObjectAsync(context);
                    if (error is not null) await JsonIo.WriteErrorAsync(context, error);
                    else await RespondAsync(context, Written(def, isCrd, dryRun,
                        store.Update(def, request.Namespace, request.Name, Checked(def, isCrd, strict, _ => body!), request.Subresource,
                        fromPatch: false, dryRun)), 200);
                    break;
                }
            case "patch" when request.Name is not null:
                {
                    var (patch, error) = PatchDocument.Parse(context.Request.ContentType, await JsonIo.ReadTextAsync(context));
                    if (error is not null) await JsonIo.WriteErrorAsync(context, error);
                    else await RespondAsync(context, Written(def, isCrd, dryRun,
                        store.Update(def, request.Namespace, request.Name, Checked(def, isCrd, strict, patch!.ApplyTo), request.Subresource,
                        fromPatch: true, dryRun)), 200);
                    break;
                }
            case "delete" when request.Subresource is null:
                await DeleteAsync(context, request, dryRun);
                break;
            case "deletecollection":
                await DeleteCollectionAsync(context, request, dryRun);
                break;
            default:
                await JsonIo.WriteErrorAsync(context,
                    ApiError.MethodNotAllowed("the server does not allow this method on the requested resource"));
                break;
        }
    }

    /// <summary>
    /// Wraps how an update proposes the new object with the checks that need the whole proposal: a CRD kube-apiserver
    /// would refuse, and fields the schema does not declare under fieldValidation=Strict.
    /// </summary>
    private Func<JsonObject, Outcome> Checked(ResourceDefinition def, bool isCrd, bool strict, Func<JsonObject, Outcome> propose) =>
        stored =>
        {
            var proposed = propose(stored);
            if (proposed.Failed) return proposed;
            if (isCrd && crds.Refusal(def, proposed.Value) is { } refused) return refused;
            if (strict && UnknownFields(def, proposed.Value) is { } unknown) return unknown;
            return proposed;
        };

    /// <summary>A stored CRD takes effect (its kinds are served) before the client hears back, as after kubectl's wait.</summary>
    private Outcome Written(ResourceDefinition def, bool isCrd, bool dryRun, Outcome outcome)
    {
        if (isCrd && !dryRun && !outcome.Failed) crds.Written(def, outcome.Value);
        return outcome;
    }

    /// <summary>fieldValidation=Strict: fields the schema would prune are refused, as the apiserver's strict decoding words it.</summary>
    private static ApiError? UnknownFields(ResourceDefinition def, JsonObject obj)
    {
        if (def.Schema is not { } schema) return null;
        var unknown = StructuralSchema.PruneAndCheck(schema, (JsonObject)obj.DeepClone()).Unknown;
        return unknown.Count == 0 ? null : ApiError.BadRequest(
            $"{def.Kind} in version \"{def.Version}\" cannot be handled as a {def.Kind}: strict decoding error: " +
            string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
    }

    private static Task RespondAsync(HttpContext context, Outcome outcome, int successCode) =>
        outcome.Failed ? JsonIo.WriteErrorAsync(context, outcome.Error) : JsonIo.WriteAsync(context, successCode, outcome.Value);

    private async Task GetAsync(HttpContext context, ResourceRequest request)
    {
        var outcome = store.Get(request.Resource, request.Namespace, request.Name!);
        if (!outcome.Failed && TableFormat.Requested(context.Request.Headers.Accept))
            await JsonIo.WriteAsync(context, 200, TableFormat.FromList(request.Resource, [outcome.Value], new JsonObject
            {
                ["resourceVersion"] = ServerMetadata.ResourceVersion(outcome.Value),
            }, time.GetUtcNow(), IncludeObject(context)));
        else
            await RespondAsync(context, outcome, 200);
    }

    private static bool IncludeObject(HttpContext context) => context.Request.Query["includeObject"] == "Object";

    private static (Func<JsonObject, bool>? Selects, ApiError? Error) Selector(HttpContext context, ResourceRequest request)
    {
        var labels = LabelSelector.Parse(context.Request.Query["labelSelector"], out var labelError);
        if (labels is null) return (null, ApiError.BadRequest(labelError!));
        var fields = FieldSelector.Parse(request.Resource, context.Request.Query["fieldSelector"], out var fieldError);
        if (fields is null) return (null, ApiError.BadRequest(fieldError!));
        return (obj => labels.Matches(obj) && fields.Matches(obj), null);
    }

    private async Task ListAsync(HttpContext context, ResourceRequest request)
    {
        var (selects, error) = Selector(context, request);
        if (error is not null)
        {
            await JsonIo.WriteErrorAsync(context, error);
            return;
        }
        var query = context.Request.Query;
        _ = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit);
        string? after = null;
        if (query["continue"] is [{ Length: > 0 } token] && !ListContinuation.TryDecode(token, out after))
        {
            await JsonIo.WriteErrorAsync(context,
                ApiError.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"));
            return;
        }
        var page = store.List(request.Resource, request.Namespace, selects!, limit, after);
        var metadata = new JsonObject { ["resourceVersion"] = page.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (page.ContinueAfter is not null) metadata["continue"] = ListContinuation.Encode(page.ContinueAfter, page.ResourceVersion);
        var list = new JsonObject
        {
            ["kind"] = request.Resource.ListKind,
            ["apiVersion"] = request.Resource.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(page.Items.Select(i => (JsonNode)i).ToArray()),
        };
        if (TableFormat.Requested(context.Request.Headers.Accept))
            await JsonIo.WriteAsync(context, 200,
                TableFormat.FromList(request.Resource, page.Items, metadata, time.GetUtcNow(), IncludeObject(context)));
        else
            await JsonIo.WriteAsync(context, 200, list);
    }

    private async Task WatchAsync(HttpContext context, ResourceRequest request, TimeSpan? dropAfter)
    {
        var (selects, error) = Selector(context, request);
        if (error is not null)
        {
            await JsonIo.WriteErrorAsync(context, error);
            return;
        }
        if (request.Name is not null)
        {
            // The legacy /watch/.../{name} form watches one object.
            var name = request.Name;
            var inner = selects!;
            selects = obj => ServerMetadata.Name(obj) == name && inner(obj);
        }
        await watches.StreamAsync(context, request.Resource, request.Namespace, selects!, dropAfter);
    }

    private async Task CreateAsync(HttpContext context, ResourceRequest request, bool dryRun, bool strict)
    {
        if (request.Name is not null || (request.Resource.Namespaced && request.Namespace is null))
        {
            await JsonIo.WriteErrorAsync(context,
                ApiError.MethodNotAllowed("the server does not allow this method on the requested resource"));
            return;
        }
        var (body, error) = await JsonIo.ReadObjectAsync(context);
        var def = request.Resource;
        var isCrd = CustomResourceKinds.IsDefinition(def);
        if (error is null && isCrd) error = crds.Refusal(def, body!);
        if (error is null && strict) error = UnknownFields(def, body!);
        if (error is not null) await JsonIo.WriteErrorAsync(context, error);
        else await RespondAsync(context, Written(def, isCrd, dryRun, store.Create(def, request.Namespace, body!, dryRun)), 201);
    }

    private async Task DeleteAsync(HttpContext context, ResourceRequest request, bool dryRun)
    {
        var (options, error) = await JsonIo.ReadObjectAsync(context, optional: true);
        if (error is not null)
        {
            await JsonIo.WriteErrorAsync(context, error);
            return;
        }
        dryRun |= options?["dryRun"] is JsonArray modes && modes.Any(m => Text(m) == "All");
        var preconditions = options?["preconditions"];
        var result = store.Delete(request.Resource, request.Namespace, request.Name!,
            Text(preconditions?["uid"]), Text(preconditions?["resourceVersion"]), dryRun);
        if (result.Outcome.Failed)
        {
            await JsonIo.WriteErrorAsync(context, result.Outcome.Error);
            return;
        }
        var obj = result.Outcome.Value;
        if (result.Removed && !dryRun && CustomResourceKinds.IsDefinition(request.Resource)) crds.Deleted(obj);
        if (!result.Removed || request.Resource.IsCustomResource)
        {
            await JsonIo.WriteAsync(context, 200, obj);
            return;
        }
        // Built-in kinds answer a completed delete with a Status naming what went, not the object.
        var details = new JsonObject { ["name"] = ServerMetadata.Name(obj) };
        if (request.Resource.Group.Length > 0) details["group"] = request.Resource.Group;
        details["kind"] = request.Resource.Plural;
        details["uid"] = obj["metadata"]?["uid"]?.DeepClone();
        await JsonIo.WriteAsync(context, 200, new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["details"] = details,
        });
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceRequest request, bool dryRun)
    {
        var (selects, error) = Selector(context, request);
        if (error is not null)
        {
            await JsonIo.WriteErrorAsync(context, error);
            return;
        }
        var deleted = new JsonArray();
        foreach (var item in store.List(request.Resource, request.Namespace, selects!, 0, null).Items)
        {
            var result = store.Delete(request.Resource, ServerMetadata.Namespace(item), ServerMetadata.Name(item), null, null, dryRun);
            if (result.Outcome.Failed) continue;
            if (result.Removed && !dryRun && CustomResourceKinds.IsDefinition(request.Resource)) crds.Deleted(result.Outcome.Value);
            deleted.Add(result.Outcome.Value);
        }
        await JsonIo.WriteAsync(context, 200, new JsonObject
        {
            ["kind"] = request.Resource.ListKind,
            ["apiVersion"] = request.Resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }
}
