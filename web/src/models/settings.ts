/**
 * Admin settings (SPEC §8): communes, targets, probes and support groups. Lists
 * load when their tab opens; every write reloads the list it changed. A new or rotated probe
 * token is held here only until the admin dismisses it: the server never shows it again.
 * @module
 */
import { createModel, signal, type ReadonlySignal } from '@preact/signals'
import { probeContact, type ChannelTestResult, type CommuneInput, type ProbeContact, type ProbeCreated, type SupportGroupInput, type TargetInput, type ZaloBotChatsAnswer } from '../../../protocol'
import type { Api, ApiError, ApiResult } from '../api'
import { toMs } from '../format'
import type { GroupView, ProbeView, TargetRowView } from '../wire'
import { IDLE, loadInto, type ActionResult, type Loaded } from './alerts'

/** Dependencies of {@link SettingsModel}. */
export interface SettingsDeps {
  api: Api
  /** After a commune or target change the overview reloads (the server also says so live). */
  onInventoryChanged?: () => void
  onUnauthorized?: () => void
}

/** Settings state plus actions. */
export interface SettingsState {
  targets: ReadonlySignal<Loaded<TargetRowView[]>>
  probes: ReadonlySignal<Loaded<ProbeView[]>>
  groups: ReadonlySignal<Loaded<GroupView[]>>
  /** The token of the probe just created or rotated, until dismissed. */
  newToken: ReadonlySignal<ProbeCreated | null>
  /** The commune being edited (loaded for its priority and notes), or a blank new one. */
  communeDraft: ReadonlySignal<{ isNew: boolean; loaded: Loaded<CommuneInput> } | null>
  editCommune: (code: string) => Promise<void>
  newCommune: () => void
  closeCommune: () => void
  loadTargets: () => Promise<void>
  loadProbes: () => Promise<void>
  loadGroups: () => Promise<void>
  saveCommune: (input: CommuneInput, isNew: boolean) => Promise<ActionResult>
  deleteCommune: (code: string) => Promise<ActionResult>
  createTarget: (input: TargetInput) => Promise<ActionResult>
  /** The target being edited, or null. */
  targetDraft: ReadonlySignal<TargetRowView | null>
  editTarget: (id: string) => void
  closeTarget: () => void
  /** Saves the edited target (its probe gets the new config at its next poll) and closes the form. */
  updateTarget: (input: TargetInput) => Promise<ActionResult>
  /** The id of the target saved last, for a confirmation beside its row. */
  savedTarget: ReadonlySignal<string | null>
  deleteTarget: (id: string) => Promise<ActionResult>
  createProbe: (name: string, location: string) => Promise<ActionResult>
  rotateProbe: (id: string) => Promise<ActionResult>
  deleteProbe: (id: string) => Promise<ActionResult>
  dismissToken: () => void
  createGroup: (input: SupportGroupInput) => Promise<ActionResult>
  deleteGroup: (id: number) => Promise<ActionResult>
  /** Sends a test message to a group's channels; the answers stay in `testResults` until the next test. */
  testGroup: (id: number) => Promise<ActionResult>
  /** The last test of each group: each channel's real answer. */
  testResults: ReadonlySignal<ReadonlyMap<number, readonly ChannelTestResult[]>>
  testing: ReadonlySignal<number | null>
  enableChannel: (groupId: number, index: number) => Promise<ActionResult>
  /** Looks up the chats that wrote to a Zalo bot (for its chat id). */
  zaloChats: (token: string) => Promise<ApiResult<ZaloBotChatsAnswer>>
}

/** Settings model. */
export const SettingsModel = createModel((deps: SettingsDeps): SettingsState => {
  const { api } = deps
  const targets = signal<Loaded<TargetRowView[]>>(IDLE, { name: 'settings-targets' })
  const probes = signal<Loaded<ProbeView[]>>(IDLE, { name: 'settings-probes' })
  const groups = signal<Loaded<GroupView[]>>(IDLE, { name: 'settings-groups' })
  const newToken = signal<ProbeCreated | null>(null, { name: 'settings-new-token' })
  const communeDraft = signal<{ isNew: boolean; loaded: Loaded<CommuneInput> } | null>(null, { name: 'settings-commune-draft' })
  const testResults = signal<ReadonlyMap<number, readonly ChannelTestResult[]>>(new Map(), { name: 'settings-test-results' })
  const testing = signal<number | null>(null, { name: 'settings-testing' })
  const targetDraft = signal<TargetRowView | null>(null, { name: 'settings-target-draft' })
  const savedTarget = signal<string | null>(null, { name: 'settings-saved-target' })

  const loadTargets = () => loadInto(targets, () => api.targets())
  const loadProbes = () => loadInto(probes, () => api.probes())
  const loadGroups = () => loadInto(groups, () => api.groups())

  async function act<T>(p: Promise<ApiResult<T>>, after?: (data: T) => void): Promise<ActionResult> {
    const r = await p
    if (!r.ok) {
      if (r.error.code === 'E_UNAUTHORIZED') deps.onUnauthorized?.()
      return { ok: false, error: r.error }
    }
    after?.(r.data)
    return { ok: true }
  }
  const inventory = () => deps.onInventoryChanged?.()

  return {
    targets,
    probes,
    groups,
    newToken,
    communeDraft,
    editCommune: async (code) => {
      communeDraft.value = { isNew: false, loaded: { status: 'loading', data: null, error: null } }
      const r = await api.commune(code)
      if (communeDraft.peek()?.isNew !== false) return
      communeDraft.value = {
        isNew: false,
        loaded: r.ok
          ? {
              status: 'ready',
              data: {
                code: r.data.commune.code,
                name: r.data.commune.name,
                kind: r.data.commune.kind,
                districtCluster: r.data.commune.cluster,
                lat: r.data.commune.lat,
                lon: r.data.commune.lon,
                contractedMbps: r.data.commune.contractedMbps,
                priority: r.data.commune.priority,
                notes: r.data.commune.notes,
              },
              error: null,
            }
          : { status: 'error', data: null, error: r.error },
      }
    },
    newCommune: () => {
      communeDraft.value = {
        isNew: true,
        loaded: { status: 'ready', data: { code: '', name: '', kind: 'xa', districtCluster: '', lat: 0, lon: 0, contractedMbps: 100, priority: 0, notes: '' }, error: null },
      }
    },
    closeCommune: () => {
      communeDraft.value = null
    },
    loadTargets,
    loadProbes,
    loadGroups,
    saveCommune: (input, isNew) =>
      act(isNew ? api.createCommune(input) : api.updateCommune(input), () => {
        communeDraft.value = null
        inventory()
      }),
    deleteCommune: (code) => act(api.deleteCommune(code), inventory),
    createTarget: (input) =>
      act(api.createTarget(input), () => {
        inventory()
        void loadTargets()
      }),
    targetDraft,
    savedTarget,
    editTarget: (id) => {
      targetDraft.value = targets.peek().data?.find((x) => x.id === id) ?? null
      savedTarget.value = null
    },
    closeTarget: () => {
      targetDraft.value = null
    },
    updateTarget: (input) =>
      act(api.updateTarget(input), () => {
        targetDraft.value = null
        savedTarget.value = input.id
        inventory()
        void loadTargets()
      }),
    deleteTarget: (id) =>
      act(api.deleteTarget(id), () => {
        inventory()
        void loadTargets()
      }),
    createProbe: (name, location) =>
      act(api.createProbe({ name, location }), (created) => {
        newToken.value = created
        void loadProbes()
      }),
    rotateProbe: (id) =>
      act(api.rotateProbe(id), (created) => {
        newToken.value = created
        void loadProbes()
      }),
    deleteProbe: (id) => act(api.deleteProbe(id), () => void loadProbes()),
    dismissToken: () => {
      newToken.value = null
    },
    createGroup: (input) => act(api.createGroup(input), () => void loadGroups()),
    deleteGroup: (id) => act(api.deleteGroup(id), () => void loadGroups()),
    testResults,
    testing,
    testGroup: async (id) => {
      testing.value = id
      try {
        return await act(api.testGroup(id), (answer) => {
          testResults.value = new Map([...testResults.peek(), [id, answer.results]])
          // The test counts in each channel's health: show it.
          void loadGroups()
        })
      } finally {
        testing.value = null
      }
    },
    enableChannel: (groupId, index) => act(api.enableChannel(groupId, index), () => void loadGroups()),
    zaloChats: (token) => api.zaloChats(token),
  }
})

/** An instance of {@link SettingsModel}. */
export type SettingsModel = InstanceType<typeof SettingsModel>

/** Error of a failed action, or null. */
export function actionError(r: ActionResult | null): ApiError | null {
  return r && !r.ok ? r.error : null
}

/** Silence limit when the server did not send one (an older server): the shortest the server uses, a minute. */
export const DEFAULT_SILENT_AFTER_S = 60

/**
 * A probe's contact as of `nowMs` by the server's rule (`silentAfterSeconds`): a probe that stops
 * turns silent on the open page as the clock ticks, without a reload.
 */
export function contactOf(p: ProbeView, nowMs: number): ProbeContact {
  return probeContact(toMs(p.lastSeenAt), nowMs, (p.silentAfterSeconds ?? DEFAULT_SILENT_AFTER_S) * 1000)
}
