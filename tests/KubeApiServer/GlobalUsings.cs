global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Http;
global using static ModelAgent.Testing.KubeApi.Storage.JsonText;
