package dev.llmops.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.BudgetPeriod;
import llmops.cost.v1.BudgetRule;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.DeleteBudgetRequest;
import llmops.cost.v1.GetBudgetRequest;
import llmops.cost.v1.GetBudgetResponse;
import llmops.cost.v1.ListBudgetsRequest;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SetBudgetRequest;
import llmops.cost.v1.SettleRequest;
import org.junit.jupiter.api.Test;

/** Budget rules set, read, listed and deleted at run time (SetBudget, GetBudget, ListBudgets, DeleteBudget). */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class BudgetAdminTest {
    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;

    private static ReserveRequest reserve(Caller c, long prompt) {
        return ReserveRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setCaller(c)
                .setModel("local-echo").setPromptTokens(prompt).build();
    }

    @Test
    void aBudgetSetAtRunTimeLimitsAtOnceAndCanBeRemoved() {
        String tenant = "tenant-admin-" + UUID.randomUUID();
        Caller c = Caller.newBuilder().setTenantId(tenant).setKeyId("k-" + UUID.randomUUID()).build();
        // local-echo input: 0.10 USD / Mtok = 100 nanos per token; the limit is 0.0005 USD = 5,000 tokens
        BudgetRule stored = cost.setBudget(SetBudgetRequest.newBuilder().setRule(BudgetRule.newBuilder()
                .setBudgetId("tenant/" + tenant).setLimitUsd("0.0005").setPeriod(BudgetPeriod.BUDGET_PERIOD_DAILY))
                .build()).getRule();
        assertEquals("0.000500000", stored.getLimitUsd());
        assertEquals("admin", stored.getSource());
        assertFalse(stored.getSoft());

        List<BudgetRule> listed = cost.listBudgets(ListBudgetsRequest.newBuilder().setTenantId(tenant).build())
                .getRulesList();
        assertEquals(List.of("tenant/" + tenant), listed.stream().map(BudgetRule::getBudgetId).toList());
        assertTrue(cost.listBudgets(ListBudgetsRequest.getDefaultInstance()).getRulesList().stream()
                .anyMatch(r -> r.getBudgetId().equals("tenant/tenant-hier") && r.getSource().equals("config")),
                "config rules are listed too");

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> cost.reserve(reserve(c, 6000)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("tenant/" + tenant), refused.getMessage());

        ReserveRequest ok = reserve(c, 3000);
        cost.reserve(ok);
        GetBudgetResponse held = cost.getBudget(GetBudgetRequest.newBuilder().setBudgetId("tenant/" + tenant).build());
        assertEquals(300_000, held.getReservedNanosUsd());
        assertEquals("d" + LocalDate.now(ZoneOffset.UTC), held.getPeriodTag());
        cost.settle(SettleRequest.newBuilder().setRequestId(ok.getRequestId()).setCaller(c).setModel("local-echo")
                .setUsage(TokenUsage.newBuilder().setPromptTokens(3000)).build());
        GetBudgetResponse after = cost.getBudget(GetBudgetRequest.newBuilder().setBudgetId("tenant/" + tenant).build());
        assertEquals(300_000, after.getSpentNanosUsd());
        assertEquals(0, after.getReservedNanosUsd());
        assertEquals(500_000, after.getLimitNanosUsd());

        // raised at run time: the same request now fits
        cost.setBudget(SetBudgetRequest.newBuilder().setRule(stored.toBuilder().setLimitUsd("0.01")).build());
        cost.reserve(reserve(c, 6000));

        assertTrue(cost.deleteBudget(DeleteBudgetRequest.newBuilder().setBudgetId("tenant/" + tenant).build())
                .getDeleted());
        assertFalse(cost.deleteBudget(DeleteBudgetRequest.newBuilder().setBudgetId("tenant/" + tenant).build())
                .getDeleted());
        assertEquals(0, cost.listBudgets(ListBudgetsRequest.newBuilder().setTenantId(tenant).build()).getRulesCount());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> cost.getBudget(
                GetBudgetRequest.newBuilder().setBudgetId("tenant/" + tenant).build())).getStatus().getCode());
    }

    @Test
    void keyBudgetsAreReadUnderTheirTenantAndBadInputIsRefused() {
        String key = "k-" + UUID.randomUUID();
        GetBudgetResponse def = cost.getBudget(GetBudgetRequest.newBuilder().setBudgetId("key/" + key)
                .setTenantId("tenant-x").build());
        assertEquals(100_000_000_000L, def.getLimitNanosUsd(), "a key without a rule has the default limit");
        assertEquals("total", def.getPeriodTag());
        for (SetBudgetRequest bad : List.of(
                SetBudgetRequest.newBuilder().setRule(BudgetRule.newBuilder().setBudgetId("tenant/")
                        .setLimitUsd("1")).build(),
                SetBudgetRequest.newBuilder().setRule(BudgetRule.newBuilder().setBudgetId("tenant/*")
                        .setLimitUsd("1")).build(),
                SetBudgetRequest.newBuilder().setRule(BudgetRule.newBuilder().setBudgetId("org/x")
                        .setLimitUsd("1")).build(),
                SetBudgetRequest.newBuilder().setRule(BudgetRule.newBuilder().setBudgetId("team/t/a b")
                        .setLimitUsd("1")).build(),
                SetBudgetRequest.newBuilder().setRule(BudgetRule.newBuilder().setBudgetId("tenant/t")
                        .setLimitUsd("lots")).build(),
                SetBudgetRequest.newBuilder().setRule(BudgetRule.newBuilder().setBudgetId("tenant/t")
                        .setLimitUsd("-1")).build())) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> cost.setBudget(bad));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad.toString());
        }
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> cost.getBudget(GetBudgetRequest.newBuilder().setBudgetId("key/" + key).build()))
                .getStatus().getCode());
    }
}
