import { DEMO_PLANTS, type PlantDefinition, type Shift } from '../server/domain/plants'
import { Rng } from './prng'

/**
 * The static plant model: plants with ERP codes, areas, lines, work centres, materials and BOMs,
 * and — per plant — which wire encoding each source system uses and which dead-letter convention
 * its middleware follows. Everything derives from the seed, so a seed names one landscape.
 */

/** Dead-letter conventions (DLQ-REPLAY.md): Spring Kafka, Kafka Connect, or the hub's own headers. */
export type Convention = 'spring' | 'connect' | 'hub'
/** Telemetry encodings (EVENT-MODEL.md "On the wire"). */
export type Encoding = 'json' | 'ce-structured' | 'ce-binary'
/** Who reports a hop: one encoding per system and plant, as real landscapes mix them. */
export type SystemKey = 'machine' | 'mes' | 'wms' | 'qms' | 'erp' | 'hub'

export type MaterialKind = 'FERT' | 'HALB' | 'ROH'

export interface Material {
  id: string
  kind: MaterialKind
  uom: 'PC' | 'KG' | 'M'
  description: string
  /** SAP valuation class: the account-determination key (M8/147 names it). */
  valuationClass: string
}

export interface BomItem {
  material: string
  perUnit: number
}

export interface LineModel {
  id: string
  index: number
  area: string
  workCenter: string
  locationPath: string
  /** What this line can produce, with its ideal cycle time per unit (ms): ISO 22400 performance needs it. */
  products: { material: string; idealCycleMs: number }[]
}

export interface PlantModel {
  index: number
  code: string
  name: string
  timeZone: string
  companyCode: string
  shifts: Shift[]
  lines: LineModel[]
  materials: Map<string, Material>
  boms: Map<string, BomItem[]>
  finished: string[]
  semi: string[]
  raw: string[]
  slocs: { raw: string; supply: string; finished: string; shipping: string }
  encodings: Record<SystemKey, Encoding>
  convention: Convention
  instances: Record<SystemKey, string>
  /** GS1 company prefix for handling-unit labels. */
  gs1Prefix: string
}

/**
 * Per plant (index mod 5): plain JSON dominates (about 70% of hop events, the hub's own telemetry
 * being most of them), and every CloudEvents mode shows up at more than one plant and system.
 */
const ENCODINGS: Record<SystemKey, Encoding>[] = [
  { hub: 'json', erp: 'json', mes: 'json', machine: 'json', wms: 'json', qms: 'json' },
  { hub: 'ce-structured', erp: 'json', mes: 'json', machine: 'ce-binary', wms: 'json', qms: 'ce-structured' },
  { hub: 'json', erp: 'json', mes: 'ce-binary', machine: 'json', wms: 'ce-structured', qms: 'json' },
  { hub: 'json', erp: 'ce-binary', mes: 'ce-structured', machine: 'json', wms: 'json', qms: 'json' },
  { hub: 'json', erp: 'json', mes: 'json', machine: 'ce-binary', wms: 'ce-binary', qms: 'json' },
]
const CONVENTIONS: Convention[] = ['spring', 'connect', 'hub', 'spring', 'connect']

const AREAS: [finished: string, semi: string][] = [
  ['final-assembly', 'sub-assembly'],
  ['finishing', 'machining'],
  ['body-assembly', 'press-shop'],
  ['assembly', 'molding'],
  ['smt-assembly', 'pcb-prep'],
]

/** Plants beyond the five demo plants: deterministic, spread over more time zones. */
const EXTRA_SITES: [city: string, timeZone: string][] = [
  ['Sao Paulo', 'America/Sao_Paulo'],
  ['Wroclaw', 'Europe/Warsaw'],
  ['Suzhou', 'Asia/Shanghai'],
  ['Nagoya', 'Asia/Tokyo'],
  ['Zaragoza', 'Europe/Madrid'],
  ['Chicago', 'America/Chicago'],
  ['Rayong', 'Asia/Bangkok'],
  ['Pretoria', 'Africa/Johannesburg'],
  ['Melbourne', 'Australia/Melbourne'],
  ['Bursa', 'Europe/Istanbul'],
]

const threeShifts = (days: number[]): Shift[] => [
  { name: 'Early', start: '06:00', end: '14:00', days },
  { name: 'Late', start: '14:00', end: '22:00', days },
  { name: 'Night', start: '22:00', end: '06:00', days },
]

function plantDefinition(index: number): PlantDefinition {
  const demo = DEMO_PLANTS[index]
  if (demo) return demo
  const extra = index - DEMO_PLANTS.length
  const [city, timeZone] = EXTRA_SITES[extra % EXTRA_SITES.length]!
  const code = extra < 60 ? String(4000 + extra * 100) : `P${index}`
  return {
    code,
    name: `${city} Plant ${code}`,
    timeZone,
    erpCompanyCode: code,
    shiftCalendar: threeShifts(extra % 2 === 0 ? [1, 2, 3, 4, 5, 6] : [1, 2, 3, 4, 5]),
  }
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')

const NOUNS = {
  FERT: ['Gearbox', 'Control unit', 'Pump assembly', 'Door module', 'Sensor housing', 'Axle carrier', 'Inverter', 'Seat frame'],
  HALB: ['Machined housing', 'Stamped bracket', 'Molded cover', 'PCB assembly', 'Shaft', 'Wire harness'],
  ROH: ['Steel coil', 'Aluminium bar', 'Screw M6x20', 'PA6 granulate', 'Copper wire', 'Gasket', 'Bearing 6204', 'Resistor 10k'],
}

/** The materials one plant works with, and their BOMs (plant-specific, as SAP BOMs are). */
function plantMaterials(rng: Rng, plantIndex: number) {
  const materials = new Map<string, Material>()
  const add = (kind: MaterialKind, n: number): string[] => {
    const prefix = kind === 'FERT' ? 'FG' : kind === 'HALB' ? 'SA' : 'RM'
    const ids: string[] = []
    for (let i = 0; i < n; i++) {
      // Plant-indexed ranges keep materials of different plants apart; 9xxxx is left for new materials.
      const id = `${prefix}${String(10_000 + plantIndex * 997 + i * 13 + rng.int(0, 9)).slice(-5)}`
      if (materials.has(id)) continue
      const uom = kind === 'ROH' ? rng.pick(['PC', 'PC', 'KG', 'M'] as const) : 'PC'
      const valuationClass = kind === 'FERT' ? '7920' : kind === 'HALB' ? '7900' : '3000'
      materials.set(id, { id, kind, uom, description: rng.pick(NOUNS[kind]), valuationClass })
      ids.push(id)
    }
    return ids
  }
  const finished = add('FERT', 6)
  const semi = add('HALB', 4)
  const raw = add('ROH', 12)
  const boms = new Map<string, BomItem[]>()
  const perUnit = (m: string) => {
    const uom = materials.get(m)!.uom
    return uom === 'PC' ? rng.int(1, 4) : Math.round(rng.uniform(0.05, 2.5) * 1000) / 1000
  }
  for (const fg of finished) {
    const items = [rng.pick(semi), rng.pick(raw), rng.pick(raw)]
    boms.set(fg, [...new Set(items)].map((material) => ({ material, perUnit: perUnit(material) })))
  }
  for (const sa of semi) {
    const items = [rng.pick(raw), rng.pick(raw)]
    boms.set(sa, [...new Set(items)].map((material) => ({ material, perUnit: perUnit(material) })))
  }
  return { materials, boms, finished, semi, raw }
}

export function buildPlants(seed: string, count: number, linesPerPlant: number): PlantModel[] {
  const plants: PlantModel[] = []
  for (let index = 0; index < count; index++) {
    const def = plantDefinition(index)
    const rng = Rng.of(seed, 'plant-model', def.code)
    const { materials, boms, finished, semi, raw } = plantMaterials(rng, index)
    const [areaFinished, areaSemi] = AREAS[index % AREAS.length]!
    const site = `${slug(def.name.split(' ')[0]!)}-${def.code}`
    // Assembly lines (finished goods) come first; with one line there is no semi-finished area.
    const assemblyLines = Math.max(1, Math.ceil(linesPerPlant / 2))
    const lines: LineModel[] = []
    for (let i = 0; i < linesPerPlant; i++) {
      const finishedLine = i < assemblyLines
      const area = finishedLine ? areaFinished : areaSemi
      const id = `L${String(i + 1).padStart(2, '0')}`
      const pool = finishedLine ? finished : semi
      const products = [pool[i % pool.length]!, pool[(i + 1) % pool.length]!]
      lines.push({
        id,
        index: i,
        area,
        workCenter: `${finishedLine ? 'ASM' : 'PRE'}-${id.slice(1)}`,
        locationPath: `acme.${site}.${area}.${id.toLowerCase()}.cell-1`,
        products: [...new Set(products)].map((material) => ({
          material,
          idealCycleMs: Math.round(finishedLine ? rng.uniform(4_000, 12_000) : rng.uniform(1_500, 6_000)),
        })),
      })
    }
    plants.push({
      index,
      code: def.code,
      name: def.name,
      timeZone: def.timeZone,
      companyCode: def.erpCompanyCode,
      shifts: def.shiftCalendar,
      lines,
      materials,
      boms,
      finished,
      semi,
      raw,
      slocs: { raw: '1001', supply: '1002', finished: '1003', shipping: '1004' },
      encodings: ENCODINGS[index % ENCODINGS.length]!,
      convention: CONVENTIONS[index % CONVENTIONS.length]!,
      instances: {
        machine: `plc-${def.code}`,
        mes: `mes-plant-${def.code}`,
        wms: `ewm-${def.code}`,
        qms: `qms-${def.code}`,
        erp: 'S4H-PRD-100',
        hub: `hub-${def.code}`,
      },
      gs1Prefix: String(4_012_000 + index * 37).padStart(7, '0').slice(0, 7),
    })
  }
  return plants
}
