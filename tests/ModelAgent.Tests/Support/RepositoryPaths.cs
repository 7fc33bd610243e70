namespace ModelAgent.Tests.Support;

/// <summary>Paths inside the clone, found by walking up from the test binary to the folder holding ModelAgent.sln.</summary>
public static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ModelAgent.sln"))) return dir.FullName;
            throw new InvalidOperationException(
                $"no ModelAgent.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository");
        }
    }

    /// <summary>tests/fixtures/real-models: upstream metadata files kept in the repository (see its README.md).</summary>
    public static string RealModels
    {
        get
        {
            var path = Path.Combine(Root, "tests", "fixtures", "real-models");
            if (!Directory.Exists(path) || !File.Exists(Path.Combine(path, "README.md")))
                throw new InvalidOperationException(
                    $"the real-model fixtures are missing at {path}: they are part of the repository (tests/fixtures/real-models); " +
                    $"restore them with git checkout");
            return path;
        }
    }

    /// <summary>The built CLI (the test project references it, so it sits beside the test assembly).</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "model-agent.dll");
}
