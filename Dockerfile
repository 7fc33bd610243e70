# model-agent node image: the ReadyToRun build of src/ModelAgent.Cli on the ASP.NET Core runtime (the agent serves
# /healthz, /livez, /readyz and /metrics with ASP.NET Core), run as a non-root user.
#   docker build -t REGISTRY/model-agent:TAG .
# The Helm chart (deploy/helm/model-agent) and the kustomize base run it with `run ...` arguments.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first from the project files alone, so a source change does not download the packages again.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ModelAgent/ModelAgent.csproj src/ModelAgent/
COPY src/ModelAgent.Hub/ModelAgent.Hub.csproj src/ModelAgent.Hub/
COPY src/ModelAgent.Kubernetes/ModelAgent.Kubernetes.csproj src/ModelAgent.Kubernetes/
COPY src/ModelAgent.Cli/ModelAgent.Cli.csproj src/ModelAgent.Cli/
RUN dotnet restore src/ModelAgent.Cli -r linux-x64
COPY src/ src/
# Framework-dependent (the runtime image brings .NET), precompiled: no JIT warm-up on each node's start.
RUN dotnet publish src/ModelAgent.Cli -c Release -r linux-x64 -p:PublishReadyToRun=true --self-contained false \
    --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# Non-root, the uid the chart's podSecurityContext sets. The models root on the node must be writable by it (chown
# the host directory to 65532), or run the pod as root where the host path is root-owned (see the chart's values).
USER 65532:65532
ENTRYPOINT ["/app/model-agent"]
