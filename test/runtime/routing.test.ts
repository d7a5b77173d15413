import assert from "node:assert/strict";
import { test } from "node:test";
import { EntrakitError } from "../../src/errors.ts";
import { azureRiskyUsersModule } from "../../src/integrations/azure-risky-users/index.ts";
import { INTEGRATIONS } from "../../src/integrations/registry.ts";
import { allCommands } from "../../src/runtime/auth-commands.ts";
import { chooseInstance, moduleForCommand, modulesForCommand } from "../../src/runtime/routing.ts";

function line(run: () => unknown): EntrakitError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EntrakitError);
    assert.ok(!error.toLine().includes("\n"));
    return error;
  }
  assert.fail("expected an error");
}

test("commands, auth commands included, find their integration", () => {
  assert.equal(moduleForCommand(INTEGRATIONS, "azure-risky-user-get"), azureRiskyUsersModule);
  assert.equal(moduleForCommand(INTEGRATIONS, "azure-risky-users-auth-start"), azureRiskyUsersModule);
  const unknown = line(() => moduleForCommand(INTEGRATIONS, "azure-risky-users-lst"));
  assert.equal(
    unknown.toLine(),
    "azure-risky-users-lst command is not implemented. Run !help to list the Azure Risky Users commands.",
  );
});

test("using= picks the instance; otherwise the only one; otherwise the choices are listed", () => {
  const prod = { name: "prod", integration: "AzureRiskyUsers" };
  const lab = { name: "lab", integration: "AzureRiskyUsers" };
  const other = { name: "mail", integration: "MicrosoftGraphMail" };
  assert.equal(chooseInstance([prod, other], azureRiskyUsersModule), prod);
  assert.equal(chooseInstance([prod, lab, other], azureRiskyUsersModule, "lab"), lab);

  const several = line(() => chooseInstance([prod, lab], azureRiskyUsersModule));
  assert.equal(several.code, "usage");
  assert.equal(
    several.toLine(),
    "There are 2 Azure Risky Users instances: prod, lab. Add using=NAME to the command, e.g. using=prod.",
  );
  const none = line(() => chooseInstance([other], azureRiskyUsersModule));
  assert.equal(none.code, "configuration");
  assert.match(
    none.toLine(),
    /There is no Azure Risky Users instance\. Add one with: entrakit instance add NAME --integration AzureRiskyUsers\./,
  );
  assert.match(
    line(() => chooseInstance([prod], azureRiskyUsersModule, "qa")).toLine(),
    /no instance named "qa"\. Instances of Azure Risky Users: prod\./,
  );
  assert.match(
    line(() => chooseInstance([prod, other], azureRiskyUsersModule, "mail")).toLine(),
    /"mail" is a MicrosoftGraphMail instance, not Azure Risky Users/,
  );
});

test("every command of every integration (data and auth, renamed ones included) routes to its integration", () => {
  for (const module of INTEGRATIONS) {
    for (const spec of allCommands(module.definition)) {
      const found = modulesForCommand(INTEGRATIONS, spec.name);
      assert.ok(found.includes(module), `${spec.name} does not route to ${module.definition.id}`);
    }
  }
});
